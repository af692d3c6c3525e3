import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { ValidationError } from "../errors";

const run = promisify(execFile);

export interface InitBareRepoArgs {
  /** Directory holding the served repositories. */
  projectRoot: string;
  /** Repository name without `.git`: letters, digits, ".", "_" and "-". */
  name: string;
  /** Branch HEAD points at (created by the first push). */
  branch?: string;
}

/** Environment for git commands that ignores the caller's GIT_DIR and user/system config. */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  env.GIT_CONFIG_NOSYSTEM = "1";
  env.GIT_CONFIG_GLOBAL = "/dev/null";
  return env;
}

/** Creates `<projectRoot>/<name>.git`, bare, pushable over HTTP, HEAD on `branch`. Returns its path. */
export async function initBareRepo(args: InitBareRepoArgs): Promise<string> {
  const branch = args.branch ?? "main";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(args.name) || args.name.includes("..") || args.name.endsWith(".git")) {
    const message = `must be a plain repository name (letters, digits, ".", "_", "-"; no ".git" suffix), got ${JSON.stringify(args.name)}`;
    throw new ValidationError(`name ${message}`, [{ path: ["name"], message }]);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(branch) || branch.includes("..") || branch.endsWith("/") || branch.endsWith(".lock")) {
    const message = `must be a valid branch name, got ${JSON.stringify(branch)}`;
    throw new ValidationError(`branch ${message}`, [{ path: ["branch"], message }]);
  }
  const dir = path.join(args.projectRoot, `${args.name}.git`);
  const env = cleanGitEnv();
  await run("git", ["init", "--bare", "--quiet", `--initial-branch=${branch}`, dir], { env });
  await run("git", ["--git-dir", dir, "config", "http.receivepack", "true"], { env });
  return dir;
}
