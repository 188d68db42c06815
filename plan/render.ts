/** Human-readable rendering of a plan: a tree of resources with their key settings. */
import { X509Certificate } from "crypto";
import { commonName, splitPemCertificates } from "../src/pki";
import { PlanResult, PlannedResource } from "./engine";

function str(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The subject CN of a PEM certificate, or "?" when it is not one (e.g. unknown in a preview). */
function commonNameOf(pem: unknown): string {
    if (typeof pem !== "string" || !pem.includes("BEGIN CERTIFICATE")) return "?";
    return commonName(pem) ?? new X509Certificate(pem).subject;
}

/** Key settings of the Vault resources (mounts, PKI certificates, roles, policies, auth). */
function vaultSettings(type: string, inputs: Record<string, any>, outputs: Record<string, any>): string[] {
    const kind = type.split(":").pop();
    const notAfter = (pem: unknown) => (typeof pem === "string" && pem.includes("BEGIN CERTIFICATE") ? [`notAfter=${new X509Certificate(pem).validTo}`] : []);
    switch (kind) {
        case "Mount":
            return [`path=${inputs.path}`, `type=${inputs.type}`, `maxLeaseTtl=${inputs.maxLeaseTtlSeconds}s`];
        case "SecretBackendRootCert":
            return [
                `mount=${inputs.backend}`,
                `CN=${inputs.commonName}`,
                `type=${inputs.type}`,
                `key=${inputs.keyType}-${inputs.keyBits}`,
                `pathlen=${inputs.maxPathLength}`,
                `ttl=${inputs.ttl}`,
                `issuer=${inputs.issuerName}`,
                ...notAfter(outputs.certificate),
            ];
        case "SecretBackendIntermediateCertRequest":
            return [`mount=${inputs.backend}`, `CN=${inputs.commonName}`, `type=${inputs.type}`, `key=${inputs.keyType}-${inputs.keyBits}`];
        case "SecretBackendRootSignIntermediate":
            return [
                `signer=${inputs.backend}`,
                `signedBy="${commonNameOf(outputs.issuingCa)}"`,
                `CN=${inputs.commonName}`,
                `pathlen=${inputs.maxPathLength}`,
                `ttl=${inputs.ttl}`,
                ...notAfter(outputs.certificate),
            ];
        case "SecretBackendIntermediateSetSigned":
            return [`mount=${inputs.backend}`, `chain=${splitPemCertificates(String(inputs.certificate ?? "")).length} certificate(s)`];
        case "SecretBackendIssuer":
            return [`mount=${inputs.backend}`, `name=${inputs.issuerName}`, `leafNotAfterBehavior=${inputs.leafNotAfterBehavior}`];
        case "SecretBackendConfigIssuers":
            return [`mount=${inputs.backend}`, "default issuer set"];
        case "SecretBackendConfigUrls":
            return [`mount=${inputs.backend}`, `issuing=${str(inputs.issuingCertificates)}`];
        case "SecretBackendRole":
            return [
                `mount=${inputs.backend}`,
                `name=${inputs.name}`,
                `uriSans=${str(inputs.allowedUriSans)}`,
                `domains=${str(inputs.allowedDomains)}`,
                `key=${inputs.keyType}-${inputs.keyBits}`,
                `maxTtl=${inputs.maxTtl}s`,
            ];
        case "Policy":
            return [
                `name=${inputs.name}`,
                `grants=${[...String(inputs.policy).matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]/g)].map((m) => `${m[1]}:${m[2].replace(/[" ]/g, "")}`).join(";")}`,
            ];
        case "AuthBackend":
            return [`type=${inputs.type}`, `path=${inputs.path}`];
        case "AuthBackendConfig":
            return [`host=${inputs.kubernetesHost}`];
        case "AuthBackendRole":
            return [
                `role=${inputs.roleName}`,
                `sa=${str(inputs.boundServiceAccountNamespaces)}/${str(inputs.boundServiceAccountNames)}`,
                `audience=${inputs.audience}`,
                `ttl=${inputs.tokenTtl}s`,
                `policies=${str(inputs.tokenPolicies)}`,
            ];
        default:
            return [];
    }
}

/** The subject CNs of the certificates in a PEM text ("" when it holds none), e.g. `[istio-ca root r2026, istio-ca root r2027]`. */
function pemSubjects(value: unknown): string {
    if (typeof value !== "string" || !value.includes("BEGIN CERTIFICATE")) return "";
    const names = splitPemCertificates(value).map((pem) => {
        try {
            return commonName(pem) || "?";
        } catch {
            return "?";
        }
    });
    return `[${names.join(", ")}]`;
}

/** The few settings worth seeing for a resource, by type. */
function keySettings(resource: PlannedResource): string[] {
    const inputs = resource.inputs as Record<string, any>;
    const outputs = resource.outputs as Record<string, any>;
    const settings: string[] = [];
    const metadata = inputs.metadata as Record<string, any> | undefined;
    if (resource.type === "kubernetes:helm.sh/v3:Release") {
        settings.push(`chart=${inputs.chart}@${inputs.version}`, `release=${inputs.name}`, `namespace=${inputs.namespace}`);
        // Ambient: the chart profile, where ztunnel asks for certificates, whom istio-csr signs for.
        if (inputs.values?.profile) settings.push(`profile=${inputs.values.profile}`);
        if (typeof inputs.values?.caAddress === "string") settings.push(`caAddress=${inputs.values.caAddress}`);
        const nodeAccounts = inputs.values?.app?.server?.caTrustedNodeAccounts;
        if (nodeAccounts) settings.push(`caTrustedNodeAccounts=${nodeAccounts}`);
        const env = inputs.values?.env as Record<string, string> | undefined;
        if (env)
            settings.push(
                `env={${Object.entries(env)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(", ")}}`,
            );
        // The roots istiod adds to the mesh's trust bundle.
        const anchors = inputs.values?.meshConfig?.caCertificates as { pem?: string }[] | undefined;
        if (anchors) settings.push(`caCertificates=[${anchors.map((a) => pemSubjects(a.pem)).join(", ")}]`);
    } else if (resource.type.startsWith("tls:") && resource.type.endsWith("PrivateKey")) {
        settings.push(`algorithm=${inputs.algorithm}${inputs.ecdsaCurve ? ` ${inputs.ecdsaCurve}` : ""}${inputs.rsaBits ? ` ${inputs.rsaBits}` : ""}`);
    } else if (resource.type.startsWith("tls:") && outputs.certPem) {
        const subject = inputs.subject as Record<string, string> | undefined;
        if (subject?.commonName) settings.push(`CN=${str(subject.commonName)}`);
        settings.push(`ca=${!!inputs.isCaCertificate}`);
        if (inputs.isCaCertificate && inputs.maxPathLength !== undefined) settings.push(`pathlen=${inputs.maxPathLength}`);
        settings.push(`validity=${inputs.validityPeriodHours}h`, `notAfter=${outputs.validityEndTime}`);
    } else if (resource.type.startsWith("vault:")) {
        settings.push(...vaultSettings(resource.type, inputs, outputs));
    } else if (metadata) {
        settings.push(`${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name ?? resource.name}`);
        const spec = inputs.spec as Record<string, any> | undefined;
        if (inputs.kind === "Certificate" && spec) {
            settings.push(`CN=${str(spec.commonName)}`, `ca=${!!spec.isCA}`, `duration=${spec.duration}`);
            if (spec.renewBefore) settings.push(`renewBefore=${spec.renewBefore}`);
            settings.push(`issuer=${spec.issuerRef?.kind}/${spec.issuerRef?.name}`);
        } else if ((inputs.kind === "ClusterIssuer" || inputs.kind === "Issuer") && spec) {
            settings.push(`type=${Object.keys(spec).join(",")}`);
            if (spec.vault)
                settings.push(
                    `path=${spec.vault.path}`,
                    `auth=${spec.vault.auth?.kubernetes?.mountPath} role=${spec.vault.auth?.kubernetes?.role} sa=${spec.vault.auth?.kubernetes?.serviceAccountRef?.name}`,
                );
        }
        const data = (inputs.stringData ?? inputs.data) as Record<string, unknown> | undefined;
        if (data && typeof data === "object") {
            settings.push(`keys=[${Object.keys(data).join(", ")}]`);
            // Which certificates a Secret or ConfigMap carries (roots, trust bundles).
            for (const [key, value] of Object.entries(data)) {
                const subjects = pemSubjects(value);
                if (subjects) settings.push(`${key}=${subjects}`);
            }
        }
        if (resource.type.endsWith(":PeerAuthentication")) settings.push(`mtls=${spec?.mtls?.mode}`, ...(spec?.selector ? [`selector=${str(spec.selector.matchLabels)}`] : []));
        if (resource.type.endsWith(":DestinationRule")) settings.push(`host=${spec?.host}`, `tls=${spec?.trafficPolicy?.tls?.mode}`);
        if (resource.type.endsWith(":PrometheusRule")) settings.push(`alerts=[${(spec?.groups ?? []).flatMap((g: any) => g.rules.map((r: any) => r.alert)).join(", ")}]`);
    }
    if (resource.protect) settings.push("protected");
    return settings;
}

/** Renders the resource tree under the stack, then the stack outputs. */
export function renderPlan(plan: PlanResult): string {
    const children = new Map<string | null, PlannedResource[]>();
    for (const resource of plan.resources) {
        const list = children.get(resource.parent) ?? [];
        list.push(resource);
        children.set(resource.parent, list);
    }
    const lines = [`pulumi:pulumi:Stack ${plan.project}-${plan.stack}`];
    const walk = (parent: string | null, prefix: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((resource, index) => {
            const last = index === list.length - 1;
            const settings = keySettings(resource);
            lines.push(`${prefix}${last ? "└─ " : "├─ "}${resource.type} ${resource.name}${settings.length ? `  ${settings.join(" ")}` : ""}`);
            if (!resource.custom) walk(resource.name, prefix + (last ? "   " : "│  "));
        });
    };
    walk(null, "");
    lines.push("", `Resources: ${plan.resources.length}`, "Outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) {
        const text = typeof value === "string" && value.includes("\n") ? `(${splitPemCertificates(value).length} PEM certificate(s))` : str(value);
        lines.push(`  ${key}: ${text}`);
    }
    return lines.join("\n");
}
