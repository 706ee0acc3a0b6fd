/** Admin token of the bench hub (the hub child sets it, the orchestrator uses it). */
export const benchAdminToken = "bench-admin-token-0123456789abcdef";
