export type { ControlPlaneConfig } from "./config.js";
export { loadConfig } from "./config.js";
export type { ControlPlane, ControlPlaneDeps } from "./control-plane.js";
export { createControlPlane } from "./control-plane.js";
