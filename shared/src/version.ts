/** The Smart Orchestrator release this code belongs to; agents send it in Hello. */
export const version = "0.1.0";

/** The REST API version of the original ASSIST-IoT enabler we stay compatible with. */
export const compatibleApiVersion = "4.0.0";
