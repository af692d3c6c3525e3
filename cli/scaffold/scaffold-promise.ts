/** `scaffoldPromise`: writes a new Promise folder and its test from the templates, refusing to overwrite. */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConflictError, ValidationError, formatIssues, type FieldIssue } from "../../components/errors";
import { isDns1123Label } from "../../components/vocabulary/names";
import { camelCase, pascalCase, promiseIndexTs, promiseTestTs, promiseTs, type PromiseNames } from "./promise-templates";

const KIND = /^[A-Z][A-Za-z0-9]*$/;
const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
/** Names that would shadow files next to the Promise folders (promises/<name>.ts). */
const RESERVED = new Set(["index", "testing", "marketplace"]);

export interface ScaffoldPromiseArgs {
  /** Repository root (holds promises/ and test/). */
  root: string;
  name: string;
  kind?: string;
  group?: string;
  /** Add it to promises/marketplace.ts (default true). */
  register?: boolean;
}

export interface ScaffoldResult {
  names: PromiseNames;
  /** Files written, relative to the root. */
  files: string[];
  /** The registry file the Promise was added to, if any. */
  registered?: string;
}

/** Every problem with the arguments, each naming its field. */
export function scaffoldIssues(args: { name: unknown; kind?: unknown; group?: unknown }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isDns1123Label(args.name) || !/^[a-z]/.test(args.name)) {
    issues.push({ path: ["name"], message: `${JSON.stringify(args.name ?? null)} must be a DNS-1123 label starting with a letter, e.g. message-queue` });
  } else if (RESERVED.has(args.name)) {
    issues.push({ path: ["name"], message: `"${args.name}" is reserved (promises/${args.name}.ts exists); choose another name` });
  }
  if (args.kind !== undefined && (typeof args.kind !== "string" || !KIND.test(args.kind))) {
    issues.push({ path: ["kind"], message: `${JSON.stringify(args.kind)} must be UpperCamelCase letters and digits, e.g. MessageQueue` });
  }
  if (args.group !== undefined && (typeof args.group !== "string" || !GROUP.test(args.group))) {
    issues.push({ path: ["group"], message: `${JSON.stringify(args.group)} must be a DNS subdomain with a dot, e.g. plinth.dev` });
  }
  return issues;
}

/** Writes promises/<name>/{index,promise}.ts and test/unit/promises/<name>.test.ts; nothing if any exists. */
export function scaffoldPromise(args: ScaffoldPromiseArgs): ScaffoldResult {
  const issues = scaffoldIssues(args);
  if (issues.length) throw new ValidationError(`cannot scaffold Promise: ${formatIssues(issues)}`, issues, "InvalidScaffoldArgs");
  const names: PromiseNames = { name: args.name, kind: args.kind ?? pascalCase(args.name), group: args.group ?? "plinth.dev", ident: `${camelCase(args.name)}Promise` };
  const files: Record<string, string> = {
    [path.join("promises", args.name, "index.ts")]: promiseIndexTs(names),
    [path.join("promises", args.name, "promise.ts")]: promiseTs(names),
    [path.join("test", "unit", "promises", `${args.name}.test.ts`)]: promiseTestTs(names),
  };
  const dir = path.join(args.root, "promises", args.name);
  const taken = [dir, ...Object.keys(files).map((f) => path.join(args.root, f))].filter((p) => fs.existsSync(p));
  if (taken.length) {
    throw new ConflictError(`Promise "${args.name}" already exists: ${taken.map((p) => path.relative(args.root, p)).join(", ")}; choose another name or remove it`, { paths: taken.map((p) => path.relative(args.root, p)) }, "PromiseExists");
  }
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(args.root, rel)), { recursive: true });
    fs.writeFileSync(path.join(args.root, rel), text, { flag: "wx" });
  }
  const registered = args.register === false ? undefined : registerPromise(args.root, names);
  return { names, files: Object.keys(files), ...(registered ? { registered } : {}) };
}

const REGISTRY = path.join("promises", "marketplace.ts");

/**
 * Adds the new Promise to the one registry (promises/marketplace.ts): an import after the last Promise
 * import and an `entry(…, "other")` before the catalogue's closing `];`. Returns the file changed, or
 * undefined when the root has no registry (or it does not have that shape).
 */
export function registerPromise(root: string, names: PromiseNames): string | undefined {
  const file = path.join(root, REGISTRY);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  const imports = [...text.matchAll(/^import \{ \w+ \} from "\.\/[^"]+";$/gm)];
  const close = text.indexOf("\n];", text.indexOf("export const catalogue"));
  if (imports.length === 0 || close < 0) return undefined;
  const lastImport = imports[imports.length - 1];
  const at = lastImport.index! + lastImport[0].length;
  const withEntry = `${text.slice(0, close)}\n  entry(${names.ident}, "other"),${text.slice(close)}`;
  const next = `${withEntry.slice(0, at)}\nimport { ${names.ident} } from "./${names.name}";${withEntry.slice(at)}`;
  fs.writeFileSync(file, next);
  return REGISTRY;
}
