import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IntermediateCaSettings } from "../config";
import { CERT_MANAGER_API_VERSION, IssuerRef, KeyRotationPolicy, WAIT_FOR_READY, caCertificateSpec, caIssuerSpec } from "../certManagerResources";

export interface IntermediateCaCertificateArgs {
    /** Namespace of the Certificate and its Secret. */
    namespace: pulumi.Input<string>;
    /** Name of the Certificate and of the Secret cert-manager writes (`tls.crt`, `tls.key`, `ca.crt`). */
    secretName: string;
    /** The issuer that signs the intermediate. */
    issuerRef: IssuerRef;
    /** Key algorithm, lifetime and renewal window (milliseconds), CN and O. */
    intermediate: IntermediateCaSettings;
    /** Private key rotation on renewal. Default: "Always" (each renewal gets a new key). */
    rotationPolicy?: KeyRotationPolicy;
    /** Also create a CA issuer of this name on the intermediate. Default: none. */
    issuerName?: string;
    /**
     * Kind of that issuer. A `ClusterIssuer` reads its Secret from cert-manager's cluster resource
     * namespace, so `namespace` must be that namespace. Default: "Issuer" (namespaced).
     */
    issuerKind?: "Issuer" | "ClusterIssuer";
    /** Resources the Certificate must wait for (the issuer, the cert-manager release). Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * An intermediate CA issued and renewed by cert-manager (`isCA: true`), e.g. istiod's
 * `cacerts`, optionally with a CA Issuer on it.
 */
export class IntermediateCaCertificate extends pulumi.ComponentResource {
    readonly certificate: k8s.apiextensions.CustomResource;
    /** The CA Issuer or ClusterIssuer, when `issuerName` is set. */
    readonly issuer?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: IntermediateCaCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:IntermediateCaCertificate", name, {}, opts);
        const settings = args.intermediate;
        this.certificate = new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: CERT_MANAGER_API_VERSION,
                kind: "Certificate",
                metadata: { name: args.secretName, namespace: args.namespace, annotations: WAIT_FOR_READY },
                spec: caCertificateSpec({
                    commonName: settings.commonName,
                    organization: settings.organization,
                    secretName: args.secretName,
                    keyAlgorithm: settings.keyAlgorithm,
                    rotationPolicy: args.rotationPolicy ?? "Always",
                    durationMs: settings.validityMs,
                    renewBeforeMs: settings.renewBeforeMs,
                    issuerRef: args.issuerRef,
                    secretLabels: { "app.kubernetes.io/managed-by": "istio-ca" },
                }),
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        if (args.issuerName) {
            const kind = args.issuerKind ?? "Issuer";
            const metadata =
                kind === "Issuer" ? { name: args.issuerName, namespace: args.namespace, annotations: WAIT_FOR_READY } : { name: args.issuerName, annotations: WAIT_FOR_READY };
            this.issuer = new k8s.apiextensions.CustomResource(
                `${name}-issuer`,
                { apiVersion: CERT_MANAGER_API_VERSION, kind, metadata, spec: caIssuerSpec(args.secretName) },
                { parent: this, dependsOn: [this.certificate] },
            );
        }
        this.registerOutputs({ secretName: args.secretName });
    }
}
