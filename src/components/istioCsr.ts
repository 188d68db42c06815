import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ISTIO_CSR_VERSION, IstioCsrValuesSettings, istioCsrValues } from "../certManagerValues";
import { jetstackChartRelease } from "./jetstackChart";

/** Address istiod and proxies use for istio-csr's gRPC CA service (chart Service `cert-manager-istio-csr`, port 443). */
export function istioCsrAddress(namespace: string): string {
    return `cert-manager-istio-csr.${namespace}.svc:443`;
}

export interface IstioCsrArgs extends IstioCsrValuesSettings {
    /** Namespace to install into (cert-manager's). */
    namespace: pulumi.Input<string>;
    /** `jetstack/cert-manager-istio-csr` chart version. Default: "v0.17.0". */
    version?: string;
    /** Resources to install after: the cert-manager release, the issuer, the trust bundle. Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Helm chart repository. Default: "https://charts.jetstack.io". */
    chartRepo?: string;
}

/** istio-csr: the mesh's CA endpoint; signs every workload certificate through a cert-manager issuer. */
export class IstioCsr extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly values: Record<string, unknown>;

    constructor(name: string, args: IstioCsrArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:IstioCsr", name, {}, opts);
        this.values = istioCsrValues(args);
        // The chart names its Service `cert-manager-istio-csr`, the address istiod is given.
        this.release = jetstackChartRelease(
            name,
            { chart: "cert-manager-istio-csr", version: args.version ?? DEFAULT_ISTIO_CSR_VERSION, namespace: args.namespace, chartRepo: args.chartRepo, values: this.values },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.registerOutputs({ release: this.release });
    }
}
