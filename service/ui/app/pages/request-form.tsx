/**
 * A request form generated from the Promise's JSON Schema, with a YAML view of the same object kept in
 * sync, a dry-run preview (per-destination file diffs) and the API's 422 issues beside their fields.
 */
import { useMemo, useRef, useState } from "preact/hooks";
import YAML from "yaml";
import { api, ApiError, requestPath, type SessionInfo } from "../api";
import {
  compact,
  fieldId,
  fieldKeys,
  fieldOf,
  fromObject,
  initialValue,
  issuesByField,
  issuesOf,
  pathKey,
  removeAt,
  renameKey,
  requestObject,
  setAt,
  type FieldIssue,
  type Path,
} from "../form-model";
import { href } from "../router";
import type { PreviewResult, PromiseEntry, RequestObject } from "../types";
import { FieldErrors, FieldInput, type FieldContext } from "./fields";
import { Failure, useLoad } from "./load";
import { Preview } from "./preview";

interface Doc {
  metadata: { name: string; namespace: string };
  spec: unknown;
}

type Edit = { namespace: string; kind: string; name: string };

export function RequestForm({ promise, edit, session }: { promise?: string; edit?: Edit; session: SessionInfo }) {
  const data = useLoad(async () => {
    const { items } = await api<{ items: PromiseEntry[] }>("GET", "/v1/promises");
    const want = (promise ?? edit?.kind ?? "").toLowerCase();
    const entry = items.find((p) => p.name === promise || p.kind.toLowerCase() === want || p.plural.toLowerCase() === want);
    if (!entry) throw new ApiError(404, "PromiseNotFound", `no installed Promise "${promise ?? edit?.kind}": see the catalog`, null);
    const existing = edit ? await api<RequestObject>("GET", requestPath(edit.namespace, edit.kind, edit.name)) : undefined;
    return { entry, existing };
  }, [promise, edit?.namespace, edit?.kind, edit?.name]);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <p role="status">Loading the form…</p>;
  return <Editor entry={data.value.entry} existing={data.value.existing} session={session} />;
}

function Editor({ entry, existing, session }: { entry: PromiseEntry; existing?: RequestObject; session: SessionInfo }) {
  const root = useMemo(() => fieldOf(entry.schema), [entry]);
  const namespaces = session.namespaces === "*" ? undefined : session.namespaces;
  const [doc, setDoc] = useState<Doc>(() => ({
    metadata: existing
      ? { name: existing.metadata.name, namespace: existing.metadata.namespace }
      : { name: "", namespace: namespaces?.includes("default") ? "default" : (namespaces?.[0] ?? "default") },
    spec: existing ? existing.spec : initialValue(root),
  }));
  const object = requestObject(entry, doc.metadata, compact(root, doc.spec));
  // While the YAML is being edited its text is kept as typed; a form edit shows the object again.
  const [yamlDraft, setYamlDraft] = useState<string | undefined>();
  const yamlText = yamlDraft ?? YAML.stringify(object);
  const [yamlError, setYamlError] = useState<string | undefined>();
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [problem, setProblem] = useState<string | undefined>();
  const [preview, setPreview] = useState<PreviewResult | undefined>();
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);

  const known = useMemo(() => {
    const keys = fieldKeys(root, doc.spec, ["spec"]);
    keys.add(pathKey(["metadata", "name"]));
    keys.add(pathKey(["metadata", "namespace"]));
    return keys;
  }, [root, doc.spec]);
  const errors = issuesByField(issues, known);

  const update = (next: Doc, draft?: string): void => {
    setDoc(next);
    setYamlDraft(draft);
    setPreview(undefined);
  };
  const ctx: FieldContext = {
    value: doc,
    set: (path, v) => update(setAt(doc, path, v) as Doc),
    remove: (path) => update(removeAt(doc, path) as Doc),
    rename: (mapPath, from, to) => update(renameKey(doc, mapPath, from, to) as Doc),
    errors,
  };

  const onYaml = (text: string): void => {
    setYamlDraft(text);
    let parsed: unknown;
    try {
      parsed = YAML.parse(text);
    } catch (e) {
      setYamlError(`YAML: ${(e as Error).message.split("\n")[0]}`);
      return;
    }
    const r = fromObject(parsed);
    if ("error" in r) {
      setYamlError(r.error);
      return;
    }
    setYamlError(undefined);
    update({ metadata: { name: existing ? doc.metadata.name : r.name, namespace: existing ? doc.metadata.namespace : r.namespace }, spec: r.spec }, text);
  };

  const failed = (e: unknown): void => {
    const list = e instanceof ApiError ? issuesOf(e.details) : [];
    setIssues(list);
    setProblem(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    setTimeout(() => summary.current?.focus(), 0);
  };

  const target = existing ? requestPath(existing.metadata.namespace, existing.kind, existing.metadata.name) : "/v1/requests";
  const method = existing ? "PUT" : "POST";
  const run = async (dryRun: boolean): Promise<void> => {
    setBusy(true);
    setProblem(undefined);
    try {
      if (dryRun) {
        setPreview(await api<PreviewResult>(method, `${target}?dryRun=true`, object));
        setIssues([]);
      } else {
        await api(method, target, object);
        location.hash = existing
          ? href({ page: "detail", namespace: existing.metadata.namespace, kind: existing.kind, name: existing.metadata.name })
          : href({ page: "requests" });
      }
    } catch (e) {
      failed(e);
    } finally {
      setBusy(false);
    }
  };

  const meta = (key: "name" | "namespace", label: string) => {
    const path: Path = ["metadata", key];
    const id = fieldId(path);
    const bad = errors.get(pathKey(path))?.length ? true : undefined;
    const desc = bad ? `${id}-err` : undefined;
    const onInput = (v: string): void => update({ ...doc, metadata: { ...doc.metadata, [key]: v } });
    return (
      <div class="field">
        <label for={id}>{label}</label>
        {key === "namespace" && namespaces && !existing ? (
          <select id={id} aria-required="true" aria-invalid={bad} aria-describedby={desc} value={doc.metadata.namespace} onChange={(e) => onInput(e.currentTarget.value)}>
            {namespaces.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        ) : (
          <input id={id} aria-required="true" aria-invalid={bad} aria-describedby={desc} readOnly={Boolean(existing)} value={doc.metadata[key]} onInput={(e) => onInput(e.currentTarget.value)} />
        )}
        <FieldErrors path={path} errors={errors} />
      </div>
    );
  };

  const general = errors.get("");
  return (
    <section aria-labelledby="h-form">
      <h1 id="h-form">
        {existing ? `Edit ${existing.kind} ${existing.metadata.name}` : `Request ${entry.name}`} <span class="meta">v{entry.version}</span>
      </h1>
      <div ref={summary} tabIndex={-1} class="summary">
        {problem ? (
          <div role="alert" class="error">
            <p>{problem}</p>
            {issues.length ? <p>Fix the fields marked below.</p> : null}
            {general?.length ? <p>{general.join("; ")}</p> : null}
          </div>
        ) : null}
      </div>
      <form
        class="request-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void run(false);
        }}
      >
        <div class="form-view">
          <h2>Form</h2>
          {meta("name", "Name")}
          {meta("namespace", "Namespace")}
          <FieldInput f={{ ...root, name: "spec" }} path={["spec"]} label="Spec" ctx={ctx} />
        </div>
        <div class="yaml-view">
          <h2>
            <label for="yaml">YAML</label>
          </h2>
          <textarea id="yaml" spellcheck={false} rows={18} value={yamlText} aria-describedby={yamlError ? "yaml-err" : undefined} onInput={(e) => onYaml(e.currentTarget.value)} />
          {yamlError ? (
            <p class="field-error" id="yaml-err">
              {yamlError}
            </p>
          ) : null}
        </div>
        <div class="actions">
          <button type="button" class="secondary" disabled={busy} onClick={() => void run(true)}>
            Preview
          </button>
          <button type="submit" disabled={busy || Boolean(yamlError)}>
            {existing ? "Save" : "Submit"}
          </button>
        </div>
      </form>
      {preview ? <Preview preview={preview} /> : null}
    </section>
  );
}
