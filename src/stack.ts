/** Composes the components for a validated stack model. Holds no logic of its own beyond wiring. */
import * as k8s from "@pulumi/kubernetes";
import { CertificateAlerts } from "../components/certificateAlerts";
import { IstioControlPlane } from "../components/istioControlPlane";
import { MeshMtlsPolicy } from "../components/meshMtlsPolicy";
import { alertThresholds } from "./certificateAlerts";
import { StackModel, parseStackConfig } from "./config";
import { readRawConfig } from "./pulumiConfig";
import { STRATEGIES, TrustOutputs } from "./strategies";

/** What `pulumi stack output` shows after an update. */
export interface StackOutputs extends TrustOutputs {
    caMode: string;
    trustDomain: string;
    istioVersion: string;
}

export function deployStack(model: StackModel): StackOutputs {
    const strategy = STRATEGIES[model.caMode];
    if (!strategy) throw new Error(`caMode ${model.caMode} is not implemented yet`);

    const istioNamespace = new k8s.core.v1.Namespace("istio-system", { metadata: { name: model.istio.namespace } });
    const { ca, istiodDependsOn, trust } = strategy({ model, istioNamespace });

    const controlPlane = new IstioControlPlane("istio", {
        version: model.istio.version,
        namespace: istioNamespace.metadata.name,
        trustDomain: model.trustDomain,
        workloadCerts: model.workloadCerts,
        ca,
        istiodDependsOn,
    });

    // Policies and rules are custom resources: they need the Istio CRDs, so they come after the control plane.
    const { meshPolicy, alerts } = model;
    if (meshPolicy.enabled) {
        new MeshMtlsPolicy(
            "mesh-policy",
            {
                rootNamespace: model.istio.namespace,
                mtlsMode: meshPolicy.mtlsMode,
                permissiveFallbacks: meshPolicy.permissiveFallbacks,
                pinnedHosts: meshPolicy.pinnedHosts,
                trustDomain: model.trustDomain,
                trustBundle: trust.trustBundle,
            },
            { dependsOn: [controlPlane] },
        );
    }
    if (alerts.enabled) {
        const thresholds = alertThresholds(model.intermediateCa, model.rootCa, model.workloadCerts, alerts);
        new CertificateAlerts(
            "certificate-alerts",
            { namespace: model.istio.namespace, thresholds, certManager: model.certManager !== undefined, labels: alerts.ruleLabels },
            { dependsOn: [controlPlane] },
        );
    }

    return { caMode: model.caMode, trustDomain: model.trustDomain, istioVersion: model.istio.version, ...trust };
}

/** Reads and validates this stack's config, then deploys it. Throws before creating anything if config is invalid. */
export async function runStack(): Promise<StackOutputs> {
    const model = parseStackConfig(readRawConfig());
    return deployStack(model);
}
