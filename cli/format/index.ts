export { table } from "./table";
export { formatAge } from "./age";
export { formatError } from "./error";
export { requestRow, requestTable, REQUEST_COLUMNS } from "./requests";
export { describeRequest } from "./describe";
export { formatPreview } from "./preview";
export { outputFormat, render } from "./output";
export type { OutputFormat } from "./output";
