import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_CERT_MANAGER_NAMESPACE, DEFAULT_CERT_MANAGER_VERSION, certManagerValues } from "../certManagerValues";
import { jetstackChartRelease } from "./jetstackChart";

/** What an issuer needs to know about a cert-manager install. */
export interface CertManagerRef {
    /** The cert-manager release; custom resources wait on it so its CRDs and webhook exist. */
    release: pulumi.Resource;
    /** Namespace where ClusterIssuers read their Secrets (cert-manager's cluster resource namespace). */
    clusterResourceNamespace: pulumi.Input<string>;
}

export interface CertManagerArgs {
    /** `jetstack/cert-manager` chart version. Default: "v1.21.1". */
    version?: string;
    /** Namespace to install into, created by this component. Default: "cert-manager". It is also the cluster resource namespace. */
    namespace?: string;
    /** Create a Prometheus Operator ServiceMonitor (needs its CRD in the cluster). Default: false. */
    serviceMonitor?: boolean;
    /** Enable cert-manager's signer for Kubernetes CertificateSigningRequests (feature gate `ExperimentalCertificateSigningRequestControllers`). Default: false. */
    enableCsrSigner?: boolean;
    /** Turn off the default approver, which approves every CertificateRequest; install approver-policy to approve. Default: false. */
    disableAutoApproval?: boolean;
    /** Helm chart repository. Default: "https://charts.jetstack.io". */
    chartRepo?: string;
}

/** cert-manager: namespace and Helm release, with its CRDs installed and kept on uninstall. */
export class CertManager extends pulumi.ComponentResource implements CertManagerRef {
    readonly namespace: k8s.core.v1.Namespace;
    readonly release: k8s.helm.v3.Release;
    /** Name of the namespace cert-manager runs in. */
    readonly namespaceName: pulumi.Output<string>;
    readonly clusterResourceNamespace: pulumi.Output<string>;
    /** The values passed to the chart. */
    readonly values: Record<string, unknown>;

    constructor(name: string, args: CertManagerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:CertManager", name, {}, opts);
        const namespace = args.namespace ?? DEFAULT_CERT_MANAGER_NAMESPACE;
        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: namespace } }, { parent: this });
        this.values = certManagerValues({
            serviceMonitor: args.serviceMonitor ?? false,
            enableCsrSigner: args.enableCsrSigner ?? false,
            disableAutoApproval: args.disableAutoApproval ?? false,
        });
        this.release = jetstackChartRelease(
            name,
            {
                chart: "cert-manager",
                version: args.version ?? DEFAULT_CERT_MANAGER_VERSION,
                namespace: this.namespace.metadata.name,
                chartRepo: args.chartRepo,
                values: this.values,
            },
            { parent: this },
        );
        this.namespaceName = this.namespace.metadata.name;
        this.clusterResourceNamespace = this.namespace.metadata.name;
        this.registerOutputs({ namespaceName: this.namespaceName, release: this.release });
    }
}
