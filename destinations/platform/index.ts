export { PlatformDestination, PLATFORM_LABELS } from "./platform-destination";
