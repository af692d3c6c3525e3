/** Renders a form-model field tree as labelled inputs; errors from the API sit next to their field. */
import { fieldId, getAt, emptyValue, parseNumberInput, pathKey, type Field, type Path } from "../form-model";

export interface FieldContext {
  value: unknown;
  set: (path: Path, v: unknown) => void;
  remove: (path: Path) => void;
  rename: (mapPath: Path, from: string, to: string) => void;
  errors: Map<string, string[]>;
}

const titleCase = (s: string): string => s.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

export function FieldErrors({ path, errors }: { path: Path; errors: Map<string, string[]> }) {
  const list = errors.get(pathKey(path));
  if (!list?.length) return null;
  return (
    <p class="field-error" id={`${fieldId(path)}-err`}>
      {list.join("; ")}
    </p>
  );
}

function describedBy(path: Path, f: Field, errors: Map<string, string[]>): string | undefined {
  const ids = [];
  if (f.required || f.description || f.pattern || f.default !== undefined) ids.push(`${fieldId(path)}-hint`);
  if (errors.get(pathKey(path))?.length) ids.push(`${fieldId(path)}-err`);
  return ids.length ? ids.join(" ") : undefined;
}

function Hint({ f, path }: { f: Field; path: Path }) {
  const parts = [];
  if (f.required && f.kind !== "object") parts.push("required");
  if (f.description) parts.push(f.description);
  if (f.default !== undefined && f.kind !== "object") parts.push(`default ${JSON.stringify(f.default)}`);
  if (f.pattern) parts.push(`pattern ${f.pattern}`);
  if (!parts.length) return null;
  return (
    <p class="hint" id={`${fieldId(path)}-hint`}>
      {parts.join(" · ")}
    </p>
  );
}

export function FieldInput({ f, path, label, ctx }: { f: Field; path: Path; label?: string; ctx: FieldContext }) {
  const id = fieldId(path);
  const v = getAt(ctx.value, path);
  const text = label ?? titleCase(f.name);
  const invalid = ctx.errors.get(pathKey(path))?.length ? true : undefined;
  const common = { id, name: path.join("."), "aria-invalid": invalid, "aria-required": f.required ? true : undefined, "aria-describedby": describedBy(path, f, ctx.errors) };
  switch (f.kind) {
    case "object":
      return (
        <fieldset class="group" aria-describedby={describedBy(path, f, ctx.errors)}>
          <legend>{text}</legend>
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
          {(f.properties ?? []).map((p) => (
            <FieldInput key={p.name} f={p} path={[...path, p.name]} ctx={ctx} />
          ))}
        </fieldset>
      );
    case "array": {
      const rows = Array.isArray(v) ? v : [];
      return (
        <fieldset class="group">
          <legend>{text}</legend>
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
          {rows.map((_, i) => (
            <div class="row" key={i}>
              <FieldInput f={f.item!} path={[...path, i]} label={`${text} ${i + 1}`} ctx={ctx} />
              <button type="button" class="secondary" onClick={() => ctx.remove([...path, i])}>
                Remove {text.toLowerCase()} {i + 1}
              </button>
            </div>
          ))}
          <button type="button" class="secondary" onClick={() => ctx.set([...path, rows.length], emptyValue(f.item!))}>
            Add {text.toLowerCase()}
          </button>
        </fieldset>
      );
    }
    case "map": {
      const entries = v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v as object) : [];
      return (
        <fieldset class="group">
          <legend>{text}</legend>
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
          {entries.map((k, i) => (
            <div class="row map-row" key={i}>
              <div class="field">
                <label for={`${id}-key-${i}`}>
                  {text} key {i + 1}
                </label>
                <input id={`${id}-key-${i}`} value={k} onChange={(e) => ctx.rename(path, k, e.currentTarget.value)} />
              </div>
              <FieldInput f={f.item!} path={[...path, k]} label={`Value of ${k || `key ${i + 1}`}`} ctx={ctx} />
              <button type="button" class="secondary" onClick={() => ctx.remove([...path, k])}>
                Remove {k || `entry ${i + 1}`}
              </button>
            </div>
          ))}
          <button
            type="button"
            class="secondary"
            onClick={() => {
              let n = entries.length + 1;
              while (entries.includes(`key${n}`)) n++;
              ctx.set([...path, `key${n}`], emptyValue(f.item!));
            }}
          >
            Add {text.toLowerCase()} entry
          </button>
        </fieldset>
      );
    }
    case "boolean":
      return (
        <div class="field check">
          <input type="checkbox" {...common} checked={v === true} onChange={(e) => ctx.set(path, e.currentTarget.checked)} />
          <label for={id}>{text}</label>
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
        </div>
      );
    case "enum":
      return (
        <div class="field">
          <label for={id}>
            {text}
          </label>
          <select {...common} value={typeof v === "string" ? v : ""} onChange={(e) => ctx.set(path, e.currentTarget.value || undefined)}>
            {!f.required && f.default === undefined ? <option value="">(not set)</option> : null}
            {(f.options ?? []).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
        </div>
      );
    case "number":
    case "integer":
      return (
        <div class="field">
          <label for={id}>
            {text}
          </label>
          <input
            {...common}
            inputMode={f.kind === "integer" ? "numeric" : "decimal"}
            value={v === undefined ? "" : String(v)}
            onChange={(e) => ctx.set(path, parseNumberInput(e.currentTarget.value))}
          />
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
        </div>
      );
    case "json":
      return (
        <div class="field">
          <label for={id}>
            {text} (JSON)
          </label>
          <textarea
            {...common}
            rows={3}
            value={v === undefined ? "" : JSON.stringify(v)}
            onChange={(e) => {
              const t = e.currentTarget.value.trim();
              try {
                ctx.set(path, t === "" ? undefined : JSON.parse(t));
              } catch {
                ctx.set(path, t);
              }
            }}
          />
          <FieldErrors path={path} errors={ctx.errors} />
        </div>
      );
    default:
      return (
        <div class="field">
          <label for={id}>
            {text}
          </label>
          <input {...common} value={typeof v === "string" ? v : v === undefined ? "" : String(v)} onInput={(e) => ctx.set(path, e.currentTarget.value)} />
          <Hint f={f} path={path} />
          <FieldErrors path={path} errors={ctx.errors} />
        </div>
      );
  }
}
