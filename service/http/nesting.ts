/**
 * How deeply a body nests, measured on its text before any parser sees it: one linear pass, no
 * recursion, so a 50 000-deep body is refused in microseconds instead of overflowing the parser's stack
 * (YAML's composer even exhausts memory on `- - - …`). JSON depth is exact; YAML depth is an upper bound
 * close to the real one: flow brackets plus the block levels a line opens by indentation or compact
 * indicators (`- - x`, `? - x`).
 */

/** The deepest nesting of a JSON text (brackets outside strings). Stops counting once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

const BLOCK_SCALAR_HEADER = /(?:^|[:?-][ \t]+|[ \t][!&][^ \t]*[ \t]+)[|>][1-9+-]{0,2}[ \t]*(#.*)?$/;

/** Flow-bracket depth change of one line's content (quotes and comments skipped); `depth` is where it starts. */
function scanFlow(line: string, from: number, depth: number, onDepth: (d: number) => boolean): number {
  let quote = 0;
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quote) {
      if (quote === 0x22 && c === 0x5c) i++;
      else if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      // a quote only opens a scalar where a scalar may start, not inside a plain word (it's)
      const prev = i === 0 ? 0x20 : line.charCodeAt(i - 1);
      if (prev === 0x20 || prev === 0x09 || prev === 0x5b || prev === 0x7b || prev === 0x2c || prev === 0x3a || prev === 0x2d) quote = c;
    } else if (c === 0x23 && (i === 0 || line.charCodeAt(i - 1) === 0x20 || line.charCodeAt(i - 1) === 0x09)) break;
    else if (c === 0x5b || c === 0x7b) {
      if (onDepth(++depth)) return depth;
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
  }
  return depth;
}

/** An upper bound of the nesting of a YAML stream. Stops once past `limit`. */
export function yamlDepth(text: string, limit = Infinity): number {
  let max = 0;
  let flow = 0;
  const stack: number[] = []; // columns of the open block nodes
  let scalarIndent = -1; // inside a block scalar: lines indented more than this are its text
  const seen = (d: number): boolean => {
    if (d > max) max = d;
    return max > limit;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, "");
    start = end + 1;
    let col = 0;
    while (col < line.length && line.charCodeAt(col) === 0x20) col++;
    const blank = col === line.length || line[col] === "#";
    if (scalarIndent >= 0) {
      if (blank || col > scalarIndent) continue;
      scalarIndent = -1;
    }
    if (blank) continue;
    if (flow === 0) {
      if (col === 0 && (line.startsWith("---") || line.startsWith("..."))) {
        stack.length = 0;
        continue;
      }
      const open = (at: number): void => {
        while (stack.length && stack[stack.length - 1] >= at) stack.pop();
        stack.push(at);
      };
      open(col);
      // compact nested block collections on one line: `- - x`, `? - x`, `- key: value`
      while (col + 1 < line.length && (line[col] === "-" || line[col] === "?") && (line[col + 1] === " " || line[col + 1] === "\t")) {
        col += 2;
        while (col < line.length && line.charCodeAt(col) === 0x20) col++;
        if (col < line.length) open(col);
      }
      if (seen(stack.length)) return max;
      if (BLOCK_SCALAR_HEADER.test(line)) scalarIndent = stack[0] === undefined ? 0 : stack[stack.length - 1];
    }
    flow = scanFlow(line, col, flow, (d) => seen(stack.length + d));
    if (max > limit) return max;
  }
  return max;
}

/**
 * The depth of a parsed value, walked with an explicit stack (no recursion); answers `limit + 1` as soon
 * as it is passed, and for cyclic values (a YAML alias to its own ancestor), which never end.
 */
export function valueDepth(value: unknown, limit: number): number {
  let max = 0;
  const todo: [unknown, number][] = [[value, 0]];
  let visited = 0;
  while (todo.length) {
    const [v, d] = todo.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (d + 1 > max) max = d + 1;
    if (max > limit || ++visited > 1_000_000) return limit + 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === "object" && child !== null) todo.push([child, d + 1]);
  }
  return max;
}
