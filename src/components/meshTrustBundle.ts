import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TRUST_MANAGER_API_VERSION, WAIT_FOR_SYNCED, trustBundleSpec } from "../certManagerResources";

export interface MeshTrustBundleArgs {
    /** trust-manager's trust namespace, where the source ConfigMap is written. */
    trustNamespace: pulumi.Input<string>;
    /** PEM roots the mesh trusts (public). */
    rootsPem: pulumi.Input<string>;
    /** Name of the Bundle, and so of the ConfigMaps it writes. Default: "istio-ca-trust-bundle". */
    bundleName?: string;
    /** Key of the PEM in source and target ConfigMaps. Default: "ca.pem". */
    key?: string;
    /** Namespaces the bundle is written to. Default: all namespaces. */
    targetNamespaces?: string[];
    /** The trust-manager release (Bundle CRD). */
    trustManager: pulumi.Resource;
}

/**
 * The mesh's trust bundle: a ConfigMap this program owns (so a root leaves the bundle only
 * when the stack config says so, never because an issuer's Secret changed) and a
 * trust-manager Bundle that copies it to the target namespaces.
 */
export class MeshTrustBundle extends pulumi.ComponentResource {
    readonly source: k8s.core.v1.ConfigMap;
    readonly bundle: k8s.apiextensions.CustomResource;
    readonly bundleName: string;
    readonly key: string;

    constructor(name: string, args: MeshTrustBundleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:MeshTrustBundle", name, {}, opts);
        this.bundleName = args.bundleName ?? "istio-ca-trust-bundle";
        this.key = args.key ?? "ca.pem";
        const sourceName = `${this.bundleName}-source`;
        this.source = new k8s.core.v1.ConfigMap(
            `${name}-source`,
            { metadata: { name: sourceName, namespace: args.trustNamespace, labels: { "app.kubernetes.io/managed-by": "istio-ca" } }, data: { [this.key]: args.rootsPem } },
            { parent: this },
        );
        this.bundle = new k8s.apiextensions.CustomResource(
            `${name}-bundle`,
            {
                apiVersion: TRUST_MANAGER_API_VERSION,
                kind: "Bundle",
                metadata: { name: this.bundleName, annotations: WAIT_FOR_SYNCED },
                spec: trustBundleSpec({ sourceConfigMap: { name: sourceName, key: this.key }, targetKey: this.key, targetNamespaces: args.targetNamespaces }),
            },
            { parent: this, dependsOn: [args.trustManager, this.source] },
        );
        this.registerOutputs({ bundleName: this.bundleName });
    }
}
