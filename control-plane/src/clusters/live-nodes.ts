/** A node as `GET /clusters/node/:clusterid` shows it. The agent link fills this in. */
export interface NodeView {
  readonly name: string;
  readonly [field: string]: unknown;
}

/** Where the REST layer reads the live nodes of a cluster from. Reports live in memory only. */
export interface LiveNodes {
  /** The nodes of the latest report, or [] when the cluster has not reported. */
  nodes(clusterId: string): readonly NodeView[];
}

/** A LiveNodes with no reports, used until a hub is wired in. */
export const noLiveNodes: LiveNodes = { nodes: () => [] };
