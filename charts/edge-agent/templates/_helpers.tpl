{{- define "edge-agent.name" -}}smart-orchestrator-agent{{- end -}}
{{- define "edge-agent.labels" -}}
app.kubernetes.io/name: edge-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: smart-orchestrator
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
