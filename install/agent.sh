#!/bin/sh
# Smart Orchestrator edge agent installer.
#
# Run it on an edge node with the one-liner that POST /clusters prints; that
# line checks this file's sha256 before running it, and --ca-hash pins the
# hub's CA, so neither a tampered script nor a hub in the middle gets through.
#
#   sh so-agent.sh --hub <host:port> --token <join-token> --ca-hash sha256:<hex>
#
# Cluster mode (default) applies the agent's manifests, which are embedded
# below (generated from charts/edge-agent by `npm run generate:installer`),
# and waits until the agent has joined. Host mode installs the agent as a
# systemd service beside k3s. This script downloads nothing in cluster mode.
set -eu

usage() {
  cat <<'EOF'
Usage: sh so-agent.sh --hub <host:port> --token <join-token> (--ca-hash sha256:<hex> | --insecure) [options]
       sh so-agent.sh --uninstall [--namespace <ns>] [--mode host]

Options:
  --hub <host:port>        the control plane's agent hub
  --token <join-token>     join token from POST /clusters or POST /clusters/:id/token
  --ca-hash sha256:<hex>   pin of the hub's CA (from the join command)
  --insecure               plaintext link to the hub (labs only)
  --namespace <ns>         namespace for the agent (default smart-orchestrator)
  --no-deploy              install without the deploy role: the agent reports
                           but refuses deploy commands
  --mode cluster|host      a Deployment in the cluster (default), or a systemd
                           service on this node (single-node k3s)
  --image <ref>            agent image (default: the image this script was built for)
  --timeout <seconds>      how long to wait for the agent to join (default 180)
  --dry-run                print the manifests and change nothing
  --uninstall              remove everything this script created
  -h, --help               this text
EOF
}

fail() {
  echo "so-agent: $*" >&2
  exit 1
}

hub=""
token="${SO_TOKEN:-}"
ca_hash=""
insecure=false
namespace="smart-orchestrator"
deploy=true
mode="cluster"
image=""
timeout=180
dry_run=false
uninstall=false
# Filled in by the control plane that serves this script (GET /install/agent.sh):
# where host mode downloads the agent bundle, and the sha256 it must have.
# The join command's checksum covers these two lines too.
so_public_url=""
so_bundle_sha256=""

need_value() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value"; fi
}

while [ "$#" -gt 0 ]; do
  case "$1" in
  --hub) need_value "$@"; hub=$2; shift 2 ;;
  --token) need_value "$@"; token=$2; shift 2 ;;
  --ca-hash) need_value "$@"; ca_hash=$2; shift 2 ;;
  --insecure) insecure=true; shift ;;
  --namespace) need_value "$@"; namespace=$2; shift 2 ;;
  --no-deploy) deploy=false; shift ;;
  --mode) need_value "$@"; mode=$2; shift 2 ;;
  --image) need_value "$@"; image=$2; shift 2 ;;
  --timeout) need_value "$@"; timeout=$2; shift 2 ;;
  --dry-run) dry_run=true; shift ;;
  --uninstall) uninstall=true; shift ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; fail "unknown argument: $1" ;;
  esac
done

# Every value below ends up in a manifest through sed, so each is checked
# against a strict pattern first: nothing from the command line becomes YAML
# or shell syntax.
matches() {
  printf '%s' "$1" | grep -Eq "$2"
}
matches "$namespace" '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' ||
  fail "--namespace must be a DNS-1123 label, got \"$namespace\""
case "$mode" in cluster | host) ;; *) fail "--mode must be cluster or host, got \"$mode\"" ;; esac
matches "$timeout" '^[0-9]{1,5}$' || fail "--timeout must be a number of seconds, got \"$timeout\""
if [ "$uninstall" = false ]; then
  [ -n "$hub" ] || fail "--hub is required (host:port of the control plane's agent hub)"
  matches "$hub" '^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):[0-9]{1,5}$' ||
    fail "--hub must be host:port, got \"$hub\""
  if [ "$insecure" = true ]; then
    [ -z "$ca_hash" ] || fail "give either --ca-hash or --insecure, not both"
  else
    [ -n "$ca_hash" ] || fail "--ca-hash is required unless --insecure is given (it pins the hub's CA)"
    matches "$ca_hash" '^sha256:[0-9a-f]{64}$' || fail "--ca-hash must be sha256:<64 hex characters>"
  fi
  [ -n "$token" ] || fail "--token is required (the join token from the control plane)"
  matches "$token" '^[a-z0-9]{6}\.[a-z0-9]{16}$' ||
    fail "--token must be a join token like abcdef.0123456789abcdef"
  if [ -n "$image" ]; then
    matches "$image" '^[A-Za-z0-9][A-Za-z0-9./_:@-]{0,254}$' || fail "--image is not an image reference: \"$image\""
  fi
fi

# The agent image is built for amd64 and arm64; 32-bit ARM has no Node.js
# builds we can support, so say so before touching the cluster.
detect_arch() {
  machine=$(uname -m)
  case "$machine" in
  x86_64 | amd64) echo amd64 ;;
  aarch64 | arm64) echo arm64 ;;
  armv7l | armv7 | armv6l | armhf)
    fail "this node is 32-bit ARM ($machine, arm/v7), which the agent does not support: install a 64-bit OS (for a Raspberry Pi 3/4/5, Raspberry Pi OS 64-bit) and run this again"
    ;;
  *) fail "unsupported architecture \"$machine\": the agent runs on amd64 and arm64" ;;
  esac
}
arch=$(detect_arch)

# kubectl as this node has it: KUBECONFIG when set, k3s's bundled kubectl on
# k3s, the admin kubeconfig on a kubeadm control-plane node, else plain kubectl.
kube() {
  if [ -n "${KUBECONFIG:-}" ]; then
    kubectl "$@"
  elif command -v k3s >/dev/null 2>&1; then
    k3s kubectl "$@"
  elif [ -r /etc/kubernetes/admin.conf ]; then
    kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"
  else
    kubectl "$@"
  fi
}
check_kubectl() {
  if [ -z "${KUBECONFIG:-}" ] && ! command -v k3s >/dev/null 2>&1 && ! command -v kubectl >/dev/null 2>&1; then
    fail "no kubectl found: run this on a k3s or kubeadm node, or set KUBECONFIG and put kubectl on PATH"
  fi
  kube version >/dev/null 2>&1 || fail "kubectl cannot reach the cluster ($(kube version 2>&1 | tail -n 1))"
}

# --- BEGIN GENERATED MANIFESTS (npm run generate:installer; do not edit) ---
default_image="ghcr.io/smart-orchestrator/edge-agent:0.1.0"
# Both renders of charts/edge-agent in one text: a line that starts with
# @@WITH_DEPLOY@@ is only in the render with the deploy role, one that starts
# with @@WITHOUT_DEPLOY@@ only in the one without it (deployRole=false).
manifests_merged() {
  cat <<'SO_MANIFESTS_EOF'
---
# Source: edge-agent/templates/rbac.yaml
# Keep in step with edge-agent/src/permissions.ts (a test compares them).
apiVersion: v1
kind: ServiceAccount
metadata:
  name: smart-orchestrator-agent
  namespace: so-installer-namespace
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
---
# Source: edge-agent/templates/deployment.yaml
apiVersion: v1
kind: Secret
metadata:
  name: smart-orchestrator-agent-join
  namespace: so-installer-namespace
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
type: Opaque
stringData:
  token: "@@TOKEN@@"
@@WITH_DEPLOY@@---
@@WITH_DEPLOY@@# Source: edge-agent/templates/rbac-deploy.yaml
@@WITH_DEPLOY@@# The deploy role (broad by necessity; see edge-agent/src/permissions.ts and
@@WITH_DEPLOY@@# README "Agent permissions"). Leave it out with deployRole=false: the agent
@@WITH_DEPLOY@@# then runs with --no-deploy, reports, and refuses deploy commands.
@@WITH_DEPLOY@@apiVersion: rbac.authorization.k8s.io/v1
@@WITH_DEPLOY@@kind: ClusterRole
@@WITH_DEPLOY@@metadata:
@@WITH_DEPLOY@@  name: smart-orchestrator-agent-deploy
@@WITH_DEPLOY@@  labels:
@@WITH_DEPLOY@@    app.kubernetes.io/name: edge-agent
@@WITH_DEPLOY@@    app.kubernetes.io/instance: smart-orchestrator-agent
@@WITH_DEPLOY@@    app.kubernetes.io/part-of: smart-orchestrator
@@WITH_DEPLOY@@    app.kubernetes.io/version: "0.1.0"
@@WITH_DEPLOY@@rules:
@@WITH_DEPLOY@@  - apiGroups: ["*"]
@@WITH_DEPLOY@@    resources: ["*"]
@@WITH_DEPLOY@@    verbs: ["*"]
@@WITH_DEPLOY@@  - nonResourceURLs: ["*"]
@@WITH_DEPLOY@@    verbs: ["get"]
---
# Source: edge-agent/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: smart-orchestrator-agent
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get", "list", "watch"]
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["list", "watch"]
  - apiGroups: [""]
    resources: ["nodes/stats"]
    verbs: ["get"]
  - apiGroups: ["metrics.k8s.io"]
    resources: ["nodes"]
    verbs: ["get", "list"]
@@WITH_DEPLOY@@---
@@WITH_DEPLOY@@# Source: edge-agent/templates/rbac-deploy.yaml
@@WITH_DEPLOY@@apiVersion: rbac.authorization.k8s.io/v1
@@WITH_DEPLOY@@kind: ClusterRoleBinding
@@WITH_DEPLOY@@metadata:
@@WITH_DEPLOY@@  name: smart-orchestrator-agent-deploy
@@WITH_DEPLOY@@  labels:
@@WITH_DEPLOY@@    app.kubernetes.io/name: edge-agent
@@WITH_DEPLOY@@    app.kubernetes.io/instance: smart-orchestrator-agent
@@WITH_DEPLOY@@    app.kubernetes.io/part-of: smart-orchestrator
@@WITH_DEPLOY@@    app.kubernetes.io/version: "0.1.0"
@@WITH_DEPLOY@@roleRef:
@@WITH_DEPLOY@@  apiGroup: rbac.authorization.k8s.io
@@WITH_DEPLOY@@  kind: ClusterRole
@@WITH_DEPLOY@@  name: smart-orchestrator-agent-deploy
@@WITH_DEPLOY@@subjects:
@@WITH_DEPLOY@@  - kind: ServiceAccount
@@WITH_DEPLOY@@    name: smart-orchestrator-agent
@@WITH_DEPLOY@@    namespace: so-installer-namespace
---
# Source: edge-agent/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: smart-orchestrator-agent
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: smart-orchestrator-agent
subjects:
  - kind: ServiceAccount
    name: smart-orchestrator-agent
    namespace: so-installer-namespace
---
# Source: edge-agent/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: smart-orchestrator-agent
  namespace: so-installer-namespace
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["create"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "update"]
    resourceNames: ["smart-orchestrator-agent-credential"]
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "update", "delete"]
---
# Source: edge-agent/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: smart-orchestrator-agent
  namespace: so-installer-namespace
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: smart-orchestrator-agent
subjects:
  - kind: ServiceAccount
    name: smart-orchestrator-agent
    namespace: so-installer-namespace
---
# Source: edge-agent/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: smart-orchestrator-agent
  namespace: so-installer-namespace
  labels:
    app.kubernetes.io/name: edge-agent
    app.kubernetes.io/instance: smart-orchestrator-agent
    app.kubernetes.io/part-of: smart-orchestrator
    app.kubernetes.io/version: "0.1.0"
spec:
  replicas: 1
  # One live session per cluster: never run two agents side by side.
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: edge-agent
      app.kubernetes.io/instance: smart-orchestrator-agent
  template:
    metadata:
      labels:
        app.kubernetes.io/name: edge-agent
        app.kubernetes.io/instance: smart-orchestrator-agent
        app.kubernetes.io/part-of: smart-orchestrator
        app.kubernetes.io/version: "0.1.0"
    spec:
      serviceAccountName: smart-orchestrator-agent
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: agent
          image: "ghcr.io/smart-orchestrator/edge-agent:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - --hub=@@HUB@@
            - --namespace=so-installer-namespace
            - --stats-source=kubelet
            - --log-level=info
            - --health-listen=:8081
            - --ca-hash=@@CA_HASH@@
@@WITHOUT_DEPLOY@@            - --no-deploy
          env:
            - name: SO_TOKEN
              valueFrom:
                secretKeyRef:
                  name: smart-orchestrator-agent-join
                  key: token
          ports:
            - name: health
              containerPort: 8081
          # Liveness stays green while the hub is unreachable (edge autonomy);
          # readiness waits for the first report to reach the hub.
          livenessProbe:
            httpGet:
              path: /healthz
              port: health
            initialDelaySeconds: 5
            periodSeconds: 20
          readinessProbe:
            httpGet:
              path: /readyz
              port: health
            periodSeconds: 10
          resources:
            limits:
              memory: 160Mi
            requests:
              cpu: 10m
              memory: 100Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
SO_MANIFESTS_EOF
}
manifests_with_deploy() {
  manifests_merged | sed -e '/^@@WITHOUT_DEPLOY@@/d' -e 's/^@@WITH_DEPLOY@@//'
}
manifests_without_deploy() {
  manifests_merged | sed -e '/^@@WITH_DEPLOY@@/d' -e 's/^@@WITHOUT_DEPLOY@@//'
}
# --- END GENERATED MANIFESTS ---

# The manifests with this install's values filled in.
manifests() {
  if [ "$deploy" = true ]; then manifests_with_deploy; else manifests_without_deploy; fi |
    sed -e "s|so-installer-namespace|$namespace|g" \
      -e "s|@@HUB@@|$hub|g" \
      -e "s|@@TOKEN@@|$token|g" |
    if [ "$insecure" = true ]; then
      sed -e 's|--ca-hash=@@CA_HASH@@|--insecure|'
    else
      sed -e "s|@@CA_HASH@@|$ca_hash|g"
    fi |
    if [ -n "$image" ]; then sed -e "s|image: \"$default_image\"|image: \"$image\"|"; else cat; fi
}

namespace_manifest() {
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $namespace
  labels:
    app.kubernetes.io/part-of: smart-orchestrator
EOF
}

credential_secret="smart-orchestrator-agent-credential"

# The agent writes its credential Secret after the hub's Welcome; that is how
# we know it joined. The Secret holds the cluster id the hub gave it.
wait_for_join() {
  deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    id=$(kube -n "$namespace" get secret "$credential_secret" -o 'jsonpath={.data.clusterId}' 2>/dev/null || true)
    if [ -n "$id" ]; then
      printf '%s' "$id" | base64 -d
      return 0
    fi
    sleep 2
  done
  return 1
}

explain_no_join() {
  echo "so-agent: the agent did not join within ${timeout}s" >&2
  pods=$(kube -n "$namespace" get pods -l app.kubernetes.io/name=edge-agent \
    -o 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.containerStatuses[0].state.waiting.reason}{"\n"}{end}' 2>/dev/null || true)
  [ -z "$pods" ] || printf 'so-agent: agent pods:\n%s\n' "$pods" >&2
  logs=$(kube -n "$namespace" logs deployment/smart-orchestrator-agent --tail=20 2>/dev/null || true)
  if [ -n "$logs" ]; then
    echo "so-agent: the agent's last log lines:" >&2
    printf '%s\n' "$logs" >&2
    # pino writes JSON lines; the last warning or error says why, in its
    # error or details field, else in its message.
    last=$(printf '%s\n' "$logs" | grep -E '"level":(40|50|60)' | tail -n 1)
    reason=$(printf '%s' "$last" | sed -nE 's/.*"(err|details|reason)":"([^"]*)".*/\2/p')
    [ -n "$reason" ] || reason=$(printf '%s' "$last" | sed -n 's/.*"msg":"\([^"]*\)".*/\1/p')
    [ -z "$reason" ] || echo "so-agent: reason: $reason" >&2
  fi
  exit 1
}

install_cluster() {
  if [ "$dry_run" = true ]; then
    namespace_manifest
    echo "---"
    manifests
    return 0
  fi
  check_kubectl
  echo "so-agent: installing the agent into namespace $namespace ($arch node, deploy role: $deploy)"
  namespace_manifest | kube apply --server-side --field-manager=so-installer --force-conflicts -f - >/dev/null
  manifests | kube apply --server-side --field-manager=so-installer --force-conflicts -f - >/dev/null
  if [ "$deploy" = false ]; then
    # A second run with --no-deploy takes the deploy role away again.
    kube delete clusterrolebinding smart-orchestrator-agent-deploy --ignore-not-found >/dev/null
    kube delete clusterrole smart-orchestrator-agent-deploy --ignore-not-found >/dev/null
  fi
  echo "so-agent: waiting for the agent to join (up to ${timeout}s)"
  cluster_id=$(wait_for_join) || explain_no_join
  echo "so-agent: joined as cluster $cluster_id"
}

uninstall_cluster() {
  check_kubectl
  # The generated manifests name every object we created; placeholders are
  # fine here because delete only reads kinds and names.
  manifests_with_deploy | sed -e "s|so-installer-namespace|$namespace|g" |
    kube delete --ignore-not-found -f - >/dev/null
  kube -n "$namespace" delete secret "$credential_secret" --ignore-not-found >/dev/null
  kube delete namespace "$namespace" --ignore-not-found >/dev/null
  echo "so-agent: removed the agent from namespace $namespace"
}

# --- host mode: a systemd service beside k3s -----------------------------

host_root=/opt/smart-orchestrator
host_unit=/etc/systemd/system/smart-orchestrator-agent.service
host_env=/etc/smart-orchestrator-agent.env

check_node() {
  command -v node >/dev/null 2>&1 ||
    fail "host mode needs Node.js 20.19 or later, and node is not installed: install Node.js 22 LTS (https://nodejs.org/en/download, or your distribution's nodejs package) and run this again"
  version=$(node -p 'process.versions.node')
  major=${version%%.*}
  rest=${version#*.}
  minor=${rest%%.*}
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    fail "host mode needs Node.js 20.19 or later, this node has $version: install Node.js 22 LTS (https://nodejs.org/en/download) and run this again"
  fi
}

# The agent bundle for host mode: SO_AGENT_BUNDLE when given, else the one
# the control plane serves, refused unless its sha256 is the one this script
# was served with (and so the one the join command checked).
fetch_bundle() {
  if [ -n "${SO_AGENT_BUNDLE:-}" ]; then
    [ -f "$SO_AGENT_BUNDLE" ] || fail "SO_AGENT_BUNDLE=$SO_AGENT_BUNDLE is not a file"
    bundle=$SO_AGENT_BUNDLE
    return 0
  fi
  if [ -z "$so_public_url" ] || [ -z "$so_bundle_sha256" ]; then
    fail "host mode needs the agent bundle, and the control plane that served this script has none: run 'npm run build:agent' there, or set SO_AGENT_BUNDLE to an edge-agent.mjs"
  fi
  bundle=$(mktemp)
  curl -sfLo "$bundle" "$so_public_url/install/edge-agent.mjs" ||
    fail "could not download $so_public_url/install/edge-agent.mjs"
  echo "$so_bundle_sha256  $bundle" | sha256sum -c - >/dev/null 2>&1 ||
    fail "the downloaded agent bundle does not have the sha256 this script expects; refusing to install it"
}

install_host() {
  check_node
  kubeconfig=/etc/rancher/k3s/k3s.yaml
  [ -n "${KUBECONFIG:-}" ] && kubeconfig=$KUBECONFIG
  [ -r "$kubeconfig" ] || fail "host mode reads the node's kubeconfig, and $kubeconfig is not readable"
  fetch_bundle
  if [ "$dry_run" = true ]; then
    echo "so-agent: would install the verified bundle $bundle to $host_root and $host_unit using $kubeconfig"
    return 0
  fi
  mkdir -p "$host_root/edge-agent/bin" "$host_root/edge-agent/dist"
  cp "$bundle" "$host_root/edge-agent/dist/edge-agent.mjs"
  # The V8 flags of edge-agent/bin/edge-agent, which keep the agent under 100 MB
  # on Node 22 and 24 (README, "Agent footprint"); host-mode.test.ts keeps them equal.
  cat >"$host_root/edge-agent/bin/edge-agent" <<'EOF'
#!/bin/sh
exec node --no-opt --no-maglev --max-semi-space-size=1 "$(dirname "$0")/../dist/edge-agent.mjs" "$@"
EOF
  chmod 0755 "$host_root/edge-agent/bin/edge-agent"
  umask 077
  {
    echo "SO_HUB=$hub"
    if [ "$insecure" = true ]; then echo "SO_INSECURE=true"; else echo "SO_CA_HASH=$ca_hash"; fi
    echo "SO_TOKEN=$token"
    echo "KUBECONFIG=$kubeconfig"
    echo "SO_STATE_DIR=/var/lib/smart-orchestrator-agent"
    echo "SO_HEALTH_LISTEN=127.0.0.1:8081"
  } >"$host_env"
  cat >"$host_unit" <<EOF
[Unit]
Description=Smart Orchestrator edge agent (host mode)
After=network-online.target k3s.service
Wants=network-online.target

[Service]
EnvironmentFile=$host_env
ExecStart=$host_root/edge-agent/bin/edge-agent
Restart=always
RestartSec=5
StateDirectory=smart-orchestrator-agent
StateDirectoryMode=0700
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadWritePaths=/var/lib/smart-orchestrator-agent

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable --now smart-orchestrator-agent
  echo "so-agent: installed; 'systemctl status smart-orchestrator-agent' and 'curl -s 127.0.0.1:8081/healthz' show its state"
}

uninstall_host() {
  systemctl disable --now smart-orchestrator-agent 2>/dev/null || true
  rm -f "$host_unit" "$host_env"
  rm -rf "$host_root/edge-agent" /var/lib/smart-orchestrator-agent
  systemctl daemon-reload 2>/dev/null || true
  echo "so-agent: removed the host-mode agent"
}

case "$mode:$uninstall" in
cluster:false) install_cluster ;;
cluster:true) uninstall_cluster ;;
host:false) install_host ;;
host:true) uninstall_host ;;
esac
