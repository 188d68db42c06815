import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CaCertSettings } from "../config";
import { CERT_MANAGER_API_VERSION, KeyRotationPolicy, WAIT_FOR_READY, caCertificateSpec, caIssuerSpec, selfSignedIssuerSpec } from "../certManagerResources";
import { CertManagerRef } from "./certManager";

export interface SelfSignedRootIssuerArgs {
    /** The cert-manager install; the root's Secret goes into its cluster resource namespace. */
    certManager: CertManagerRef;
    /** Key algorithm, lifetime (milliseconds), CN and O of the root. */
    root: CaCertSettings;
    /** Name of the CA ClusterIssuer on the root. Default: the component name. */
    issuerName?: string;
    /** Resources the root Certificate waits for besides cert-manager, e.g. the policy that approves its request. Default: none. */
    certificateDependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Name of the root's Secret. Default: `<issuerName>-root`. */
    secretName?: string;
}

/**
 * A root CA made inside the cluster: a self-signed ClusterIssuer mints the root Certificate,
 * and a CA ClusterIssuer signs with it. The root key never leaves the cluster, so the
 * program does not know the root PEM. The root Certificate is `protect`ed and keeps its key
 * on renewal (`rotationPolicy: Never`), so a renewed root has the same subject and key and
 * every chain issued under it stays valid.
 */
export class SelfSignedRootIssuer extends pulumi.ComponentResource {
    readonly selfSignedIssuer: k8s.apiextensions.CustomResource;
    readonly rootCertificate: k8s.apiextensions.CustomResource;
    readonly issuer: k8s.apiextensions.CustomResource;
    /** CA ClusterIssuer name, for `issuerRef`. */
    readonly issuerName: string;
    /** Secret (in the cluster resource namespace) holding the root. */
    readonly secretName: string;

    constructor(name: string, args: SelfSignedRootIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:SelfSignedRootIssuer", name, {}, opts);
        this.issuerName = args.issuerName ?? name;
        this.secretName = args.secretName ?? `${this.issuerName}-root`;
        const selfSignedName = `${this.issuerName}-selfsigned`;
        const afterRelease = { parent: this, dependsOn: [args.certManager.release] };

        this.selfSignedIssuer = new k8s.apiextensions.CustomResource(
            `${name}-selfsigned`,
            { apiVersion: CERT_MANAGER_API_VERSION, kind: "ClusterIssuer", metadata: { name: selfSignedName, annotations: WAIT_FOR_READY }, spec: selfSignedIssuerSpec() },
            afterRelease,
        );
        // A new key would be a new root, which needs the staged rotation, not a silent renewal.
        const rotationPolicy: KeyRotationPolicy = "Never";
        this.rootCertificate = new k8s.apiextensions.CustomResource(
            `${name}-root`,
            {
                apiVersion: CERT_MANAGER_API_VERSION,
                kind: "Certificate",
                metadata: { name: this.secretName, namespace: args.certManager.clusterResourceNamespace, annotations: WAIT_FOR_READY },
                spec: caCertificateSpec({
                    commonName: args.root.commonName,
                    organization: args.root.organization,
                    secretName: this.secretName,
                    keyAlgorithm: args.root.keyAlgorithm,
                    rotationPolicy,
                    durationMs: args.root.validityMs,
                    issuerRef: { name: selfSignedName, kind: "ClusterIssuer" },
                }),
            },
            { parent: this, protect: true, dependsOn: [args.certManager.release, this.selfSignedIssuer, ...(args.certificateDependsOn ?? [])] },
        );
        this.issuer = new k8s.apiextensions.CustomResource(
            `${name}-issuer`,
            { apiVersion: CERT_MANAGER_API_VERSION, kind: "ClusterIssuer", metadata: { name: this.issuerName, annotations: WAIT_FOR_READY }, spec: caIssuerSpec(this.secretName) },
            { parent: this, dependsOn: [args.certManager.release, this.rootCertificate] },
        );
        this.registerOutputs({ issuerName: this.issuerName, secretName: this.secretName });
    }
}
