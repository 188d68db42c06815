import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstiodCaValues } from "../istioValues";
import { RA_ROOT_CERT_KEY, raRootFileValues, rootsDigest } from "../kubernetesSigner";

export interface IstiodRaRootsArgs {
    /** istiod's namespace, where the ConfigMap is written. */
    namespace: pulumi.Input<string>;
    /** Every root the mesh trusts (public PEM), in bundle order. */
    rootsPem: pulumi.Input<string>;
    /** Name of the ConfigMap. Default: "istio-ca-ra-roots". */
    configMapName?: string;
}

/**
 * The roots istiod, as the Kubernetes CSR API's registration authority, appends to each certificate
 * it returns to a requester that names no signer (ztunnel): a program-owned ConfigMap mounted as
 * istiod's RA root file, and istiod values (`istiodValues`) that mount it and roll istiod's pods
 * when the roots change, since istiod reads the file only at start (`RA_ROOT_CERT_DIR`).
 */
export class IstiodRaRoots extends pulumi.ComponentResource {
    /** The ConfigMap; istiod must start after it. */
    readonly configMap: k8s.core.v1.ConfigMap;
    /** istiod chart values: the volume, its mount and the pod annotation with the roots' digest. */
    readonly istiodValues: Required<Pick<IstiodCaValues, "volumes" | "volumeMounts" | "podAnnotations">>;

    constructor(name: string, args: IstiodRaRootsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:istio:IstiodRaRoots", name, {}, opts);
        const configMapName = args.configMapName ?? "istio-ca-ra-roots";
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-roots`,
            {
                metadata: { name: configMapName, namespace: args.namespace, labels: { "app.kubernetes.io/managed-by": "istio-ca" } },
                data: { [RA_ROOT_CERT_KEY]: args.rootsPem },
            },
            { parent: this },
        );
        this.istiodValues = raRootFileValues(configMapName, pulumi.output(args.rootsPem).apply(rootsDigest));
        this.registerOutputs({ configMap: this.configMap });
    }
}
