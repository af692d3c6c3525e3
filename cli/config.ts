/**
 * Where the API is and who we are: `PLINTH_URL` / `PLINTH_TOKEN`, else `.plinth/url` and `.plinth/token`
 * in the current directory or the nearest parent that has them (the start command writes them), else
 * `http://127.0.0.1:8080` and no token.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const DEFAULT_URL = "http://127.0.0.1:8080";

export interface Connection {
  url: string;
  token?: string;
}

/** The value of `.plinth/<name>` in `dir` or its nearest parent that has the file. */
export function findPlinthFile(dir: string, name: string): string | undefined {
  let current = path.resolve(dir);
  for (;;) {
    const file = path.join(current, ".plinth", name);
    try {
      const text = fs.readFileSync(file, "utf8").trim();
      if (text) return text;
    } catch {
      // not here; go up
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

export function resolveConnection(env: Record<string, string | undefined>, cwd: string): Connection {
  const url = env.PLINTH_URL?.trim() || findPlinthFile(cwd, "url") || DEFAULT_URL;
  const token = env.PLINTH_TOKEN?.trim() || findPlinthFile(cwd, "token");
  return { url: url.replace(/\/+$/, ""), token: token || undefined };
}
