import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TRUST_MANAGER_VERSION, trustManagerValues } from "../certManagerValues";
import { jetstackChartRelease } from "./jetstackChart";
import { CertManagerRef } from "./certManager";

export interface TrustManagerArgs {
    /** The cert-manager install; trust-manager's webhook certificate comes from it. */
    certManager: CertManagerRef;
    /** Namespace to install into; also the trust namespace Bundle sources are read from. Must exist. */
    namespace: pulumi.Input<string>;
    /** `jetstack/trust-manager` chart version. Default: "v0.24.0". */
    version?: string;
    /** Create a Prometheus Operator ServiceMonitor. Default: false. */
    serviceMonitor?: boolean;
    /** With cert-manager's default approver off: the approver-policy release, so that the chart's policy for its webhook certificate can be created. Default: none. */
    approverPolicy?: pulumi.Resource;
    /** Helm chart repository. Default: "https://charts.jetstack.io". */
    chartRepo?: string;
}

/** trust-manager: distributes trust bundles (`Bundle`) to ConfigMaps across namespaces. */
export class TrustManager extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: TrustManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:TrustManager", name, {}, opts);
        const values = pulumi
            .output(args.namespace)
            .apply((trustNamespace) => trustManagerValues({ trustNamespace, serviceMonitor: args.serviceMonitor ?? false, approverPolicy: args.approverPolicy !== undefined }));
        this.release = jetstackChartRelease(
            name,
            { chart: "trust-manager", version: args.version ?? DEFAULT_TRUST_MANAGER_VERSION, namespace: args.namespace, chartRepo: args.chartRepo, values },
            { parent: this, dependsOn: [args.certManager.release, ...(args.approverPolicy ? [args.approverPolicy] : [])] },
        );
        this.registerOutputs({ release: this.release });
    }
}
