import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CERT_MANAGER_API_VERSION, WAIT_FOR_READY, caIssuerSpec } from "../certManagerResources";
import { CertManagerRef } from "./certManager";

export interface CaClusterIssuerArgs {
    /** The cert-manager install; the Secret goes into its cluster resource namespace. */
    certManager: CertManagerRef;
    /** PEM certificate of the CA (a root or an intermediate). */
    certPem: pulumi.Input<string>;
    /** PEM private key of the CA. Stored as a Pulumi secret. */
    keyPem: pulumi.Input<string>;
    /** Name of the ClusterIssuer. Default: the component name. */
    issuerName?: string;
    /** Name of the `kubernetes.io/tls` Secret holding the CA. Default: `<issuerName>-ca`. */
    secretName?: string;
    /** `protect` the Secret (set for roots: losing it loses the mesh's trust anchor). Default: true. */
    protectSecret?: boolean;
}

/** A cert-manager CA ClusterIssuer on a CA certificate and key supplied by the program. */
export class CaClusterIssuer extends pulumi.ComponentResource {
    /** The CA's `kubernetes.io/tls` Secret in the cluster resource namespace. */
    readonly secret: k8s.core.v1.Secret;
    readonly issuer: k8s.apiextensions.CustomResource;
    /** ClusterIssuer name, for `issuerRef`. */
    readonly issuerName: string;

    constructor(name: string, args: CaClusterIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:CaClusterIssuer", name, {}, opts);
        this.issuerName = args.issuerName ?? name;
        const secretName = args.secretName ?? `${this.issuerName}-ca`;
        this.secret = new k8s.core.v1.Secret(
            `${name}-ca`,
            {
                metadata: { name: secretName, namespace: args.certManager.clusterResourceNamespace, labels: { "app.kubernetes.io/managed-by": "istio-ca" } },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": args.certPem, "tls.key": pulumi.secret(args.keyPem) },
            },
            { parent: this, protect: args.protectSecret ?? true, dependsOn: [args.certManager.release] },
        );
        this.issuer = new k8s.apiextensions.CustomResource(
            `${name}-issuer`,
            { apiVersion: CERT_MANAGER_API_VERSION, kind: "ClusterIssuer", metadata: { name: this.issuerName, annotations: WAIT_FOR_READY }, spec: caIssuerSpec(secretName) },
            { parent: this, dependsOn: [args.certManager.release, this.secret] },
        );
        this.registerOutputs({ issuerName: this.issuerName });
    }
}
