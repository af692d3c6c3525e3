export { jenkinsPromise, jenkinsSpec, jenkinsConfig, jenkinsPlugin, jenkinsInstance, mergePlugins } from "./promise";
export type { JenkinsConfig, JenkinsPlugin } from "./promise";
