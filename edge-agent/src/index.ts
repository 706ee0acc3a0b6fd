export type { Agent, AgentDeps } from "./agent.js";
export { createAgent } from "./agent.js";
export type { AgentConfig } from "./config.js";
export { loadAgentConfig } from "./config.js";
export { NodeInventory } from "./inventory/node-inventory.js";
export type { CommandHandler, HubLinkOptions, LinkState, ReportSource } from "./link/hub-link.js";
export { HubLink } from "./link/hub-link.js";
export type { CredentialStore, SavedCredential } from "./state/credential-store.js";
export { FileCredentialStore } from "./state/file-credential-store.js";
