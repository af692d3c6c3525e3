export { EngineWorkspace, EngineError, type EngineWorkspaceOptions, type CliResult } from "./workspace";
export { LeanStack, OperationError, type OperationOptions, type OperationResult } from "./stack";
export { tailEvents, stackOutputsOf, errorsOf, type EngineEvent } from "./events";
