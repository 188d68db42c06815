import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_APPROVER_POLICY_VERSION } from "../issuancePolicy";
import { CertManagerRef } from "./certManager";
import { jetstackChartRelease } from "./jetstackChart";

export interface ApproverPolicyArgs {
    /** The cert-manager install it approves for; install cert-manager with `disableAutoApproval` so the two do not race. */
    certManager: CertManagerRef;
    /** Namespace to install into (cert-manager's). */
    namespace: pulumi.Input<string>;
    /** `jetstack/cert-manager-approver-policy` chart version. Default: "v0.27.0". */
    version?: string;
    /** Helm chart repository. Default: "https://charts.jetstack.io". */
    chartRepo?: string;
}

/**
 * cert-manager's approver-policy: approves a CertificateRequest only when a
 * CertificateRequestPolicy its requester may use allows it. Its CRD comes with the release and
 * stays on uninstall (the chart's defaults, `crds.enabled`, `crds.keep`).
 */
export class ApproverPolicy extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ApproverPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:ApproverPolicy", name, {}, opts);
        this.release = jetstackChartRelease(
            name,
            { chart: "cert-manager-approver-policy", version: args.version ?? DEFAULT_APPROVER_POLICY_VERSION, namespace: args.namespace, chartRepo: args.chartRepo, values: {} },
            { parent: this, dependsOn: [args.certManager.release] },
        );
        this.registerOutputs({ release: this.release });
    }
}
