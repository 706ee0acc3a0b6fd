/**
 * Largest gRPC message either side of the agent link sends or accepts, 32 MiB.
 * The big one is an Apply carrying a rendered chart (gzipped); the control
 * plane refuses at `POST /enabler` a release that would not fit, so the
 * limit is never met in the middle of a deploy.
 */
export const maxLinkMessageBytes = 32 * 1024 * 1024;
