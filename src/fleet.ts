/**
 * A mesh that spans clusters: the roots (or Vault's PKI) made once, then in every cluster the mode's
 * CA path with the cluster's own intermediate under the shared roots, and Istio installed with the
 * fleet's mesh ID and the cluster's name and network. One rotation phase applies to every cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterModel, StackModel } from "./config";
import { clusterIntermediateCommonName } from "./config/fleet";
import { MeshOutputs, deployMesh } from "./mesh";
import { STRATEGIES } from "./strategies";
import { ResourceNamer, TrustOutputs } from "./strategies/types";

/** One cluster of the fleet and the Kubernetes provider that reaches it. */
export interface FleetCluster {
    cluster: ClusterModel;
    kubernetesProvider: pulumi.ProviderResource;
}

/** What each cluster reports. */
export interface ClusterOutputs {
    /** Istio's `global.network` of the cluster, or null for one flat network. */
    network: string | null;
    /** SHA-256 of the cluster's intermediate, or null where it is issued inside the cluster (cert-manager modes). */
    intermediateFingerprint: pulumi.Output<string> | null;
}

/** What a deployed fleet reports: the shared trust, and each cluster's own. */
export interface FleetOutputs extends TrustOutputs {
    caMode: string;
    trustDomain: string;
    istioVersion: string;
    meshId: string;
    clusters: Record<string, ClusterOutputs>;
}

export interface FleetDeploymentOptions {
    /** Every cluster of the model's fleet, in its order, with its provider. */
    clusters: FleetCluster[];
    /** Names each resource made outside a component. Default: the base name. */
    name?: ResourceNamer;
    /** Options of every component: the Vault provider in the vault mode, transformations. Each cluster adds its own Kubernetes provider. */
    opts: pulumi.ComponentResourceOptions;
    /** Options of a custom resource made outside a component. */
    customOpts: pulumi.CustomResourceOptions;
}

/** A provider list of resource options, as a list. */
function providerList(providers: pulumi.ComponentResourceOptions["providers"]): pulumi.ProviderResource[] {
    if (!providers) return [];
    return Array.isArray(providers) ? providers : Object.values(providers);
}

/** The model one cluster deploys with: its intermediate named after it, so an operator can tell them apart. */
export function clusterModel(model: StackModel, cluster: ClusterModel): StackModel {
    return { ...model, intermediateCa: { ...model.intermediateCa, commonName: clusterIntermediateCommonName(model.intermediateCa.commonName, cluster.name) } };
}

export function deployFleet(model: StackModel, options: FleetDeploymentOptions): FleetOutputs {
    const fleet = model.fleet;
    if (!fleet) throw new Error("deployFleet needs a model with clusters");
    const strategy = STRATEGIES[model.caMode];
    // The config refuses a fleet of a mode whose root each istiod makes for itself.
    if (!strategy.deployShared) throw new Error(`caMode ${model.caMode} cannot share a root across clusters`);
    // The config refuses ambient beside clusters (src/config/fleet.ts); a hand-made model must not slip past.
    if (model.dataPlane === "ambient") throw new Error("deployFleet: dataPlane ambient is not supported in a multi-cluster mesh");
    const names = fleet.clusters.map((cluster) => cluster.name).join(",");
    if (options.clusters.map(({ cluster }) => cluster.name).join(",") !== names) throw new Error(`deployFleet: the providers' clusters do not match the model's (${names})`);
    const name = options.name ?? ((base: string) => base);
    const shared = strategy.deployShared({ model, name, opts: options.opts });

    const meshes: MeshOutputs[] = options.clusters.map(({ cluster, kubernetesProvider }) =>
        deployMesh(clusterModel(model, cluster), {
            name: (base) => name(`${cluster.name}-${base}`),
            opts: { ...options.opts, providers: [...providerList(options.opts.providers), kubernetesProvider] },
            customOpts: options.customOpts,
            kubernetesProvider,
            fleet: { cluster, shared, meshId: fleet.meshId },
        }),
    );
    const first = meshes[0];
    return {
        caMode: model.caMode,
        trustDomain: model.trustDomain,
        istioVersion: model.istio.version,
        meshId: fleet.meshId,
        // The roots are shared: every cluster trusts the same bundle.
        trustedRootFingerprints: first.trustedRootFingerprints,
        signingRootFingerprint: first.signingRootFingerprint,
        trustBundle: first.trustBundle,
        clusters: Object.fromEntries(
            fleet.clusters.map((cluster, index) => [cluster.name, { network: cluster.network ?? null, intermediateFingerprint: meshes[index].intermediateFingerprint ?? null }]),
        ),
    };
}
