export { scaffoldPromise, scaffoldIssues } from "./scaffold-promise";
export type { ScaffoldPromiseArgs, ScaffoldResult } from "./scaffold-promise";
export { pascalCase, camelCase, promiseTs, promiseIndexTs, promiseTestTs } from "./promise-templates";
export type { PromiseNames } from "./promise-templates";
