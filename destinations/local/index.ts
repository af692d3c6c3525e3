export { LocalDestination, type LocalDestinationArgs } from "./local-destination";
