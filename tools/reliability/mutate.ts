/**
 * The fuzz figure's body generator: deterministic (seeded) mutations of valid request documents — wrong
 * types, missing fields, huge strings, unicode, deep nesting, YAML aliases, multi-document mixes, bad
 * names, broken syntax. Pure: no I/O; `tools/reliability/fuzz.ts` sends what it makes.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same bodies. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)];

export interface FuzzBody {
  /** The mutation that made it, e.g. `wrong-type:spec.size`. */
  kind: string;
  body: string;
  contentType: string;
  /** Documents of a request's body that a valid request keeps (the generator's seed document). */
  seed: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in `v` (objects and arrays included), e.g. `[["spec"], ["spec", "size"]]`. */
export function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...paths(x, [...prefix, k]));
  return out;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function setAt(root: Json, p: (string | number)[], value: Json | undefined): Json {
  if (p.length === 0) return value ?? null;
  const copy = clone(root);
  let cur = copy as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  const last = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

const getAt = (root: Json, p: (string | number)[]): Json => p.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], root);

/** A value of another JSON type than `v`. */
export function otherType(r: Random, v: Json): Json {
  const options: Json[] = [null, true, 0, -1, 1e308, 3.5, "", "text", [], [1, "a"], {}, { a: { b: 1 } }];
  const kind = (x: Json) => (x === null ? "null" : Array.isArray(x) ? "array" : typeof x);
  const others = options.filter((o) => kind(o) !== kind(v));
  return pick(r, others);
}

const UNICODE = ["é", "日本語", "🚀🔥", "\u202eevil", "\u200b", "\u0000", "\ud800", "Ω≈ç√", "ﬁ", "\t\n", "'\"`", "${x}", "{{x}}", "<script>", "%00", "../../"];
export const BAD_NAMES = ["", "UPPER", "under_score", "dot.s", "-lead", "trail-", "../etc", "a/b", "a b", "a".repeat(64), "a".repeat(300), "名前", "x\u0000y", ".", "..", "kube-system/../x", "0".repeat(254)];

/** A `depth`-deep nesting as text (no recursion: safe for 50 000 levels). */
export function deepNesting(depth: number, style: "json-array" | "json-object" | "yaml-flow" | "yaml-block"): string {
  switch (style) {
    case "json-array":
      return "[".repeat(depth) + "]".repeat(depth);
    case "json-object":
      return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    case "yaml-flow":
      return "[".repeat(depth) + "]".repeat(depth);
    case "yaml-block": {
      // Indentation grows with depth (quadratic text): block style stops at 2 000 levels, flow style goes deeper.
      const d = Math.min(depth, 2000);
      const lines: string[] = [];
      for (let i = 0; i < d; i++) lines.push(`${" ".repeat(i)}k${i}:`);
      lines.push(`${" ".repeat(d)}v`);
      return lines.join("\n");
    }
  }
}

/** A YAML "billion laughs": `levels` anchors, each aliasing the previous one `fan` times. */
export function aliasBomb(levels: number, fan: number): string {
  const lines = ["a0: &a0 [lol]"];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(fan).fill(`*a${i - 1}`).join(", ")}]`);
  return lines.join("\n") + `\nspec: *a${levels - 1}\n`;
}

const yamlOf = (v: Json): string => JSON.stringify(v); // JSON is YAML: keeps the generator dependency-free

/** One mutated body of `seed` (a parsed valid request document). */
export function mutate(r: Random, seed: Json, seedName: string): FuzzBody {
  const all = paths(seed);
  const leafy = all.length ? all : [["spec"]];
  const json = (kind: string, v: Json): FuzzBody => ({ kind, body: JSON.stringify(v), contentType: "application/json", seed: seedName });
  const yaml = (kind: string, body: string): FuzzBody => ({ kind, body, contentType: "application/yaml", seed: seedName });
  const choice = Math.floor(r() * 12);
  switch (choice) {
    case 0: {
      const p = pick(r, leafy);
      return json(`wrong-type:${p.join(".")}`, setAt(seed, p, otherType(r, getAt(seed, p))));
    }
    case 1: {
      const p = pick(r, [["apiVersion"], ["kind"], ["metadata"], ["metadata", "name"], ["spec"], ...leafy.filter((x) => x[0] === "spec")]);
      return json(`missing:${p.join(".")}`, setAt(seed, p, undefined));
    }
    case 2: {
      const p = pick(r, leafy);
      const n = pick(r, [10_000, 300_000, 1_100_000, 2_000_000]);
      return json(`huge-string:${n}`, setAt(seed, p, "x".repeat(n)));
    }
    case 3: {
      const p = pick(r, leafy);
      const u = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, UNICODE)).join("");
      return json(`unicode:${p.join(".")}`, setAt(seed, p, u));
    }
    case 4: {
      const depth = pick(r, [200, 1_000, 10_000, 50_000]);
      const style = pick(r, ["json-array", "json-object", "yaml-flow", "yaml-block"] as const);
      const nested = deepNesting(depth, style);
      if (style.startsWith("json")) return { kind: `deep:${style}:${depth}`, body: JSON.stringify(seed).replace(/}$/, `,"extra":${nested}}`), contentType: "application/json", seed: seedName };
      return yaml(`deep:${style}:${depth}`, style === "yaml-block" ? `${yamlOf(seed)}\n---\n${nested}\n` : `extra: ${nested}\n`);
    }
    case 5: {
      const levels = pick(r, [5, 9, 12]);
      return yaml(`aliases:${levels}`, `apiVersion: ${JSON.stringify(getAt(seed, ["apiVersion"]) ?? "v1")}\nkind: ${JSON.stringify(getAt(seed, ["kind"]) ?? "X")}\nmetadata: {name: bomb}\n${aliasBomb(levels, 9)}`);
    }
    case 6: {
      const n = 2 + Math.floor(r() * 5);
      const docs = Array.from({ length: n }, (_, i) => (i === n - 1 || r() < 0.5 ? yamlOf(setAt(seed, ["metadata", "name"], pick(r, BAD_NAMES))) : yamlOf(seed)));
      return yaml(`multi-doc:${n}`, docs.join("\n---\n"));
    }
    case 7: {
      const name = pick(r, BAD_NAMES);
      return json(`bad-name:${JSON.stringify(name).slice(0, 20)}`, setAt(seed, ["metadata", "name"], name));
    }
    case 8: {
      const text = JSON.stringify(seed);
      const cut = Math.floor(r() * text.length);
      return { kind: `truncated:${cut}`, body: text.slice(0, cut), contentType: "application/json", seed: seedName };
    }
    case 9: {
      const ns = pick(r, ["kube-system", "flux-system", "other-team", "", "UPPER", "a".repeat(100), "../x"]);
      return json(`namespace:${ns.slice(0, 20)}`, setAt(seed, ["metadata", "namespace"], ns));
    }
    case 10: {
      const bodies = [Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("latin1"), "null", "[]", "42", '"s"', "{}", "---\n---\n", "&a [*a]", "!!binary AAAA", "key: !!js/function 'x'", "? [a]\n: b", "%YAML 9.9\n---\na: 1"];
      return yaml("syntax", pick(r, bodies));
    }
    default: {
      const label = pick<Record<string, string>>(r, [{ "plinth.dev/owner": "x" }, { "plinth.dev/team": "other" }, { "": "x" }, { "a/b/c": "x" }, { ok: "x".repeat(70) }]);
      return json(`labels:${Object.keys(label)[0]}`, setAt(seed, ["metadata", "labels"], label));
    }
  }
}

/** `n` bodies, cycling over the seed documents, made one at a time (huge bodies are not all held at once). */
export function* bodyStream(n: number, seeds: readonly { name: string; doc: Json }[], seed = 1): Generator<FuzzBody> {
  const r = rng(seed);
  for (let i = 0; i < n; i++) yield mutate(r, seeds[i % seeds.length].doc, seeds[i % seeds.length].name);
}

export function generateBodies(n: number, seeds: readonly { name: string; doc: Json }[], seed = 1): FuzzBody[] {
  return [...bodyStream(n, seeds, seed)];
}
