/**
 * Turning a request body into request objects: JSON (an object, `{items: [...]}` or `kind: List`) or
 * YAML (one or more documents, each possibly a List). Parse errors name the line and column.
 */
import * as YAML from "yaml";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../../components/errors";
import { DEFAULT_API_LIMITS, limitKey, type ApiLimits } from "./limits";
import { jsonDepth, valueDepth, yamlDepth } from "./nesting";

export type BodyLimits = Pick<ApiLimits, "maxDocuments" | "maxDepth" | "maxAliases">;

export type BodyFormat = "json" | "yaml";

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);

/** The body format for a Content-Type header, or a 415 naming the accepted types. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  const media = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (media === "application/json" || media.endsWith("+json")) return "json";
  if (YAML_TYPES.has(media)) return "yaml";
  throw new UnsupportedMediaTypeError(
    `Content-Type ${media ? `"${media}"` : "(none)"} is not supported: send application/json or application/yaml`,
    { contentType: media || null, accepted: ["application/json", "application/yaml", "application/x-yaml", "text/yaml"] },
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function requireObject(v: unknown, where: string): unknown {
  if (!isRecord(v)) {
    throw new BadRequestError(`${where} must be an object with apiVersion, kind, metadata and spec`, { found: v === null ? "null" : Array.isArray(v) ? "array" : typeof v }, "MalformedBody");
  }
  return v;
}

/** `{items: [...]}` without apiVersion/kind, `kind: List`, or a bare array expands to its items. */
function expandList(doc: unknown, where: string): unknown[] {
  const isList = isRecord(doc) && Array.isArray(doc.items) && (doc.kind === "List" || (doc.kind === undefined && doc.apiVersion === undefined));
  const items = isList ? (doc.items as unknown[]) : Array.isArray(doc) ? doc : undefined;
  if (items) return items.map((item, i) => requireObject(item, `${where}, item ${i + 1},`));
  return [requireObject(doc, where)];
}

function tooDeep(depth: number, max: number): BadRequestError {
  return new BadRequestError(
    `the body nests deeper than ${max} levels (the limit ${limitKey("maxDepth")}); flatten the request or ask the platform team to raise the limit`,
    { limit: max, depth: depth > max ? `more than ${max}` : depth },
    "NestingTooDeep",
  );
}

function parseJson(text: string, limits: BodyLimits): unknown[] {
  const depth = jsonDepth(text, limits.maxDepth);
  if (depth > limits.maxDepth) throw tooDeep(depth, limits.maxDepth);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BadRequestError(`body is not valid JSON: ${(e as Error).message}`, undefined, "MalformedBody");
  }
  return expandList(doc, "the JSON body");
}

/** `toJS` of one document; yaml's own resource-exhaustion guard (aliases) becomes a 400. */
function toValue(doc: YAML.Document.Parsed, i: number, limits: BodyLimits): unknown {
  try {
    return doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new BadRequestError(
        `YAML document ${i + 1} expands more than ${limits.maxAliases} aliases (the limit ${limitKey("maxAliases")}; a "billion laughs" body): write the values out instead of repeating aliases`,
        { document: i, limit: limits.maxAliases },
        "TooManyAliases",
      );
    }
    throw new BadRequestError(`YAML document ${i + 1} cannot be read: ${(e as Error).message}`, { document: i }, "MalformedBody");
  }
}

function parseYaml(text: string, limits: BodyLimits): unknown[] {
  const depth = yamlDepth(text, limits.maxDepth);
  if (depth > limits.maxDepth) throw tooDeep(depth, limits.maxDepth);
  const docs = YAML.parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  list.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const at = pos ? `line ${pos.line}, column ${pos.col}` : "unknown position";
      const firstLine = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw new BadRequestError(`YAML document ${i + 1} is malformed at ${at}: ${firstLine}`, {
        document: i,
        line: pos?.line ?? null,
        column: pos?.col ?? null,
        code: err.code,
      }, "MalformedBody");
    }
    const value = toValue(doc, i, limits);
    if (value === null || value === undefined) return; // empty document (e.g. a trailing `---`)
    const d = valueDepth(value, limits.maxDepth);
    if (d > limits.maxDepth) throw tooDeep(d, limits.maxDepth);
    out.push(...expandList(value, `YAML document ${i + 1}`));
  });
  return out;
}

/**
 * The request objects in a body; at least one (400 `EmptyBody`), at most `maxDocuments` (413
 * `TooManyDocuments`), nested at most `maxDepth` deep (400 `NestingTooDeep`).
 */
export function parseDocuments(text: string, format: BodyFormat, limits: BodyLimits = DEFAULT_API_LIMITS): unknown[] {
  const objects = format === "json" ? parseJson(text, limits) : parseYaml(text, limits);
  if (objects.length === 0) {
    throw new BadRequestError("the body holds no request object: send one object with apiVersion, kind, metadata and spec", undefined, "EmptyBody");
  }
  if (objects.length > limits.maxDocuments) {
    throw new PayloadTooLargeError(
      `the body holds ${objects.length} request objects, more than the limit of ${limits.maxDocuments} (${limitKey("maxDocuments")}); send them in several requests`,
      { limit: limits.maxDocuments, documents: objects.length },
      "TooManyDocuments",
    );
  }
  return objects;
}
