export { EngineError } from "./errors";
export { EngineWorkspace, type EngineWorkspaceOptions, type CliResult } from "./workspace";
export { LeanStack, OperationError, type OperationOptions, type OperationResult } from "./stack";
export { tailEvents, stackOutputsOf, errorsOf, type EngineEvent } from "./events";
