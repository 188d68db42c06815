import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dependencyList } from "./dependencies";
import {
    KubernetesObject,
    MtlsMode,
    PINNED_CA_CONFIGMAP,
    PINNED_CA_FILE,
    PermissiveFallback,
    PinnedHost,
    fallbackPeerAuthentication,
    meshPeerAuthentication,
    pinnedClientNamespaces,
    pinnedClientPodAnnotations,
    pinnedDestinationRule,
} from "../meshPolicy";

export interface MeshMtlsPolicyArgs {
    /** Istio root namespace, where the mesh-wide PeerAuthentication goes. Default: "istio-system". */
    rootNamespace?: string;
    /** Mesh-wide mTLS mode. Default: "STRICT". */
    mtlsMode?: MtlsMode;
    /** Scoped PERMISSIVE exceptions, each with a reason (validated by the caller). Default: none. */
    permissiveFallbacks?: PermissiveFallback[];
    /** Destinations whose servers must present certificates that chain to `trustBundle`. Default: none. */
    pinnedHosts?: PinnedHost[];
    /** SPIFFE trust domain, for the pinned servers' identities. Default: "cluster.local". */
    trustDomain?: string;
    /** Mesh trust bundle (PEM) written to the pinned-CA ConfigMaps. Required when `pinnedHosts` is not empty. */
    trustBundle?: pulumi.Input<string> | null;
}

/**
 * Mesh mTLS policy: a mesh-wide PeerAuthentication, scoped PERMISSIVE fallbacks (reason in the
 * `istio-ca/reason` annotation), and for pinned hosts a `MUTUAL` DestinationRule per client
 * namespace that verifies the server against the mesh trust bundle mounted from a ConfigMap.
 */
export class MeshMtlsPolicy extends pulumi.ComponentResource {
    /** The mesh-wide PeerAuthentication. */
    readonly meshPolicy: k8s.apiextensions.CustomResource;
    /** PERMISSIVE fallbacks, in config order. */
    readonly fallbacks: k8s.apiextensions.CustomResource[] = [];
    /** Pinned DestinationRules, in config order. */
    readonly pinnedRules: k8s.apiextensions.CustomResource[] = [];
    /** Pinned-CA ConfigMaps, one per client namespace. */
    readonly pinnedCaConfigMaps: k8s.core.v1.ConfigMap[] = [];
    /** Pod annotations every client of a pinned host needs (empty without pins). */
    readonly clientPodAnnotations: Record<string, string>;

    constructor(name: string, args: MeshMtlsPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:mesh:MeshMtlsPolicy", name, {}, opts);
        const pins = args.pinnedHosts ?? [];
        const trustDomain = args.trustDomain ?? "cluster.local";
        if (pins.length > 0 && (args.trustBundle === undefined || args.trustBundle === null)) {
            throw new Error(
                `MeshMtlsPolicy ${name}: pinnedHosts need the mesh trust bundle, but the CA strategy does not expose one (trustBundle is null). Remove the pins or use a CA mode whose root this program manages.`,
            );
        }
        // Custom resources need the Istio CRDs, which the caller's dependencies (the control plane) install.
        const after = dependencyList(opts?.dependsOn);
        const custom = (resourceName: string, object: KubernetesObject, dependsOn: pulumi.Resource[] = []) =>
            new k8s.apiextensions.CustomResource(resourceName, object, { parent: this, dependsOn: [...after, ...dependsOn] });

        this.meshPolicy = custom(`${name}-mesh-default`, meshPeerAuthentication(args.rootNamespace ?? "istio-system", args.mtlsMode ?? "STRICT"));
        for (const fallback of args.permissiveFallbacks ?? []) {
            const object = fallbackPeerAuthentication(fallback);
            this.fallbacks.push(custom(`${name}-${fallback.namespace}-${object.metadata.name}`, object));
        }

        const configMaps = new Map<string, k8s.core.v1.ConfigMap>();
        for (const namespace of pinnedClientNamespaces(pins)) {
            const configMap = new k8s.core.v1.ConfigMap(
                `${name}-${namespace}-pinned-ca`,
                {
                    metadata: { name: PINNED_CA_CONFIGMAP, namespace, labels: { "app.kubernetes.io/managed-by": "istio-ca" } },
                    data: { [PINNED_CA_FILE]: args.trustBundle as pulumi.Input<string> },
                },
                { parent: this, dependsOn: after },
            );
            configMaps.set(namespace, configMap);
            this.pinnedCaConfigMaps.push(configMap);
        }
        for (const pin of pins) {
            const object = pinnedDestinationRule(pin, trustDomain);
            // The CA file must exist before sidecars are told to read it.
            this.pinnedRules.push(custom(`${name}-${pin.clientNamespace}-${object.metadata.name}`, object, [configMaps.get(pin.clientNamespace)!]));
        }
        this.clientPodAnnotations = pins.length > 0 ? pinnedClientPodAnnotations() : {};

        this.registerOutputs({ meshPolicy: this.meshPolicy, fallbacks: this.fallbacks, pinnedRules: this.pinnedRules, clientPodAnnotations: this.clientPodAnnotations });
    }
}
