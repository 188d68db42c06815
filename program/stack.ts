/** Composes the components for a validated stack model. Holds no logic of its own beyond wiring. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { KubernetesAccess, StackModel, VaultSettings, existingRootAt, parseStackConfig, rotatesRoots } from "../src/config";
import { MeshOutputs, deployMesh } from "../src/mesh";
import { FleetOutputs, deployFleet } from "../src/fleet";
import { resolvedOutput } from "../src/outputState";
import { certificateSha256Hex } from "../src/pki";
import { kubernetesProviderArgs } from "../src/kubernetesProvider";
import { readRawConfig } from "./pulumiConfig";
import { toHoursCeil } from "../src/duration";
import { DEFAULT_ROOT_NAME, IN_CLUSTER_ROOT_SOURCE, rotationPlan, rotationTiming } from "../src/rotation";
import { caModeRecord } from "../src/caModes";
import { DesiredRotation, RotationRefusedError, guardRotation } from "./rotationGuard";
import { RootParameters, RotationState, StackIdentity, readPreviousDeployment } from "./rotationState";
import { rootParametersOf } from "../src/rootSettings";
import { vaultIntermediateNaming } from "../src/vaultRotation";
import { vaultIntermediateSettings, vaultRootDefaults } from "../src/strategies/vault";

/** What `pulumi stack output` shows after an update: one mesh's, or a fleet's with each cluster's. */
export interface StackOutputs extends MeshOutputs, Partial<Pick<FleetOutputs, "meshId" | "clusters">> {
    /** Rotation phase, roots and timestamps, read back by the next update's guard. */
    rotationState?: Promise<RotationState> | RotationState;
}

export interface DeployOptions {
    /** The rotation state to record; it resolves only once every resource of the update exists, so a failed update records nothing new. */
    rotationState?: RotationState;
}

/** Every custom resource the deployment creates, collected by a transformation its components pass on to their children. */
class DeployedResources {
    readonly resources: pulumi.CustomResource[] = [];
    readonly transformation: pulumi.ResourceTransformation = ({ resource }) => {
        if (pulumi.CustomResource.isInstance(resource)) this.resources.push(resource);
        return undefined;
    };
}

/** Deploys the mesh of a validated model with this program's providers, made from config. */
export function deployStack(model: StackModel, options: DeployOptions = {}): StackOutputs {
    const deployed = new DeployedResources();
    const customOpts: pulumi.CustomResourceOptions = { transformations: [deployed.transformation] };

    const providers: pulumi.ProviderResource[] = model.vault ? [vaultProvider(model.vault, customOpts)] : [];
    let outputs: StackOutputs;
    if (model.fleet) {
        // One explicit provider per cluster, each updating Secrets and ConfigMaps in place.
        const clusters = model.fleet.clusters.map((cluster) => ({
            cluster,
            kubernetesProvider: new k8s.Provider(`kubernetes-${cluster.name}`, kubernetesProviderArgs(kubernetesAccessArgs(cluster.kubernetes, model.kubernetes)), customOpts),
        }));
        outputs = { ...deployFleet(model, { clusters, opts: { providers, transformations: [deployed.transformation] }, customOpts }) };
    } else {
        // One explicit provider for every Kubernetes resource, with Secrets and ConfigMaps updated in place.
        const kubernetes = new k8s.Provider("kubernetes", kubernetesProviderArgs(kubernetesAccessArgs(model.kubernetes)), customOpts);
        const opts: pulumi.ComponentResourceOptions = { providers: [kubernetes, ...providers], transformations: [deployed.transformation] };
        outputs = { ...deployMesh(model, { opts, customOpts, kubernetesProvider: kubernetes }) };
    }

    const state = options.rotationState;
    if (state) outputs.rotationState = recordWhenDeployed(state, deployed.resources);
    return outputs;
}

/**
 * The provider of every Vault resource. Without a token in config none is set here: the provider
 * reads VAULT_TOKEN itself (the config model refused a deployment without either).
 */
function vaultProvider(settings: VaultSettings, opts: pulumi.CustomResourceOptions): vault.Provider {
    return new vault.Provider(
        "vault",
        {
            address: settings.address,
            namespace: settings.namespace,
            token: settings.token ? pulumi.secret(settings.token.reveal()) : undefined,
            // The provider makes one non-renewable child token per update, 1200 s by default
            // (terraform-provider-vault internal/provider/meta.go, createChildToken): too short for an
            // update that waits on cert-manager and istiod before deleting an old issuer at its end.
            maxLeaseTtlSeconds: Math.round(settings.providerTokenTtlMs / 1000),
        },
        opts,
    );
}

/** The provider's kubeconfig and context from the model (a kubeconfig's contents as a secret). */
function kubernetesAccessArgs(access: KubernetesAccess, fallback: KubernetesAccess = {}): { kubeconfig?: pulumi.Input<string>; context?: string } {
    // A fleet's cluster without a kubeconfig of its own takes its context from the stack's kubeconfig.
    const kubeconfig = access.kubeconfig ?? fallback.kubeconfig;
    const { context } = access;
    return {
        ...(kubeconfig ? { kubeconfig: "path" in kubeconfig ? kubeconfig.path : pulumi.secret(kubeconfig.contents.reveal()) } : {}),
        ...(context ? { context } : {}),
    };
}

/** Where each root of the model comes from, as the rotation state records it. */
export function rootSourcesOf(model: StackModel): Record<string, string> {
    // Recorded so that a later switch to a root the program makes is seen as the root change it is.
    if (model.certManager?.root === "in-cluster" && !model.existingRoot) return { [DEFAULT_ROOT_NAME]: IN_CLUSTER_ROOT_SOURCE };
    return Object.fromEntries(
        model.rotation.roots.map((name, index) => {
            const existing = existingRootAt(model, index);
            return [name, existing ? `existing sha256:${certificateSha256Hex(existing.certPem)}` : "generated"];
        }),
    );
}

/** This stack's organization, project and name. */
export function selfIdentity(): StackIdentity {
    return { organization: pulumi.getOrganization(), project: pulumi.getProject(), stack: pulumi.getStack() };
}

/**
 * The name the guard reads this stack's previous outputs by. Self-managed (DIY) backends, where the
 * organization is always "organization" (pulumi/pulumi pkg/backend/diy/state.go), take the bare stack
 * name in both layouts: a legacy layout refuses any "/" in a stack reference (diy/store.go,
 * tokens.ParseStackName), and the project layout fills in the current project (projectReferenceStore
 * ParseReference). Pulumi Cloud takes the fully qualified name.
 */
export function selfStackName(identity: StackIdentity = selfIdentity()): string {
    return identity.organization === DIY_ORGANIZATION ? identity.stack : `${identity.organization}/${identity.project}/${identity.stack}`;
}

/** The organization of every stack on a self-managed backend. */
const DIY_ORGANIZATION = "organization";

/** Whether a configured `rotationStateStack` names this stack itself. */
function namesSelf(name: string, identity: StackIdentity): boolean {
    const { organization, project, stack } = identity;
    return [stack, `${organization}/${stack}`, `${organization}/${project}/${stack}`].includes(name);
}

/** Reads every output of the previous deployment ({} when there was none). */
async function readPreviousOutputs(stackName: string): Promise<Record<string, unknown>> {
    const ref = new pulumi.StackReference("previous-deployment", { name: stackName });
    return new Promise((resolve) => ref.outputs.apply((outputs) => resolve(outputs ?? {})));
}

/** What config says a newly made root is made with, per mode (undefined where the program makes no root). */
function newRootParameters(model: StackModel): RootParameters | undefined {
    const record = caModeRecord(model.caMode);
    if (record.rootMaker === "istiod" || record.rootMaxPathLength === undefined) return undefined;
    if (record.rootMaker === "vault") return rootParametersOf(vaultRootDefaults(model), record.rootMaxPathLength);
    // An in-cluster root is a cert-manager Certificate with no path length constraint.
    if (model.certManager?.root === "in-cluster" && !model.existingRoot) return rootParametersOf(model.rootCa, null);
    return rootParametersOf(model.rootCa, record.rootMaxPathLength);
}

/** The Vault intermediate the config asks for (vault mode). */
function desiredVaultIntermediate(model: StackModel): DesiredRotation["vaultIntermediate"] {
    if (!model.vault) return undefined;
    const signingRoot = rotationPlan(model.rotation).signingRoot;
    const intermediate = vaultIntermediateSettings(model);
    const naming = vaultIntermediateNaming(signingRoot, intermediate.commonName, intermediate.generation);
    return {
        generation: intermediate.generation,
        signingRoot,
        issuerName: naming.issuerName,
        parameters: {
            commonName: intermediate.commonName,
            organization: intermediate.organization,
            keyAlgorithm: intermediate.keyAlgorithm,
            validityHours: toHoursCeil(intermediate.validityMs),
            maxPathLength: intermediate.maxPathLength,
        },
    };
}

/**
 * The rotation state, recorded only once every resource of the update exists: when one fails (or a
 * targeted update skips it), the export rejects, the program fails, and the engine keeps the previous
 * outputs (pulumi/pulumi sdk/nodejs/runtime/stack.ts registers `{}` when the program throws;
 * step_executor.go keeps old outputs on a failed update).
 */
export function recordWhenDeployed(state: RotationState, resources: pulumi.CustomResource[]): Promise<RotationState> | RotationState {
    if (pulumi.runtime.isDryRun()) return state;
    return (async () => {
        const results = await Promise.all(
            resources.map(async (resource) => {
                const [id, urn] = await Promise.all([resolvedOutput(resource.id), resolvedOutput(resource.urn)]);
                return { ok: id.known && typeof id.value === "string" && id.value !== "", urn: String(urn.value) };
            }),
        );
        const missing = results.filter((result) => !result.ok).map((result) => result.urn.split("::").pop());
        if (missing.length > 0) {
            throw new Error(
                `rotationState not recorded: ${missing.length} resource(s) of this update did not complete (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}); the previous state stays in force. Fix what failed and run pulumi up again (a targeted update, pulumi up --target, is not supported).`,
            );
        }
        return state;
    })();
}

export interface RunOptions {
    /** The clock the guard records phase changes with. Default: the system clock. */
    clock?: () => Date;
}

/**
 * Reads and validates this stack's config, reads the previous deployment's rotation state,
 * checks the transition, then deploys. Throws before registering any resource (other than the
 * StackReference that reads the previous state) when the config or the transition is refused.
 */
export async function runStack(options: RunOptions = {}): Promise<StackOutputs> {
    const model = parseStackConfig(readRawConfig());
    const identity = selfIdentity();
    const stateStack = model.rotation.stateStack ?? selfStackName(identity);
    const previous = readPreviousDeployment(await readPreviousOutputs(stateStack), { expected: identity, fromSelf: namesSelf(stateStack, identity) });
    const verdict = guardRotation({
        previous,
        desired: {
            identity,
            caMode: model.caMode,
            rotating: rotatesRoots(model),
            settings: { phase: model.rotation.phase, roots: model.rotation.roots },
            rootSources: rootSourcesOf(model),
            // Rotating strategies set MULTI_ROOT_CA_VALUES from steady on (cert-manager with an in-cluster root too).
            multiRootEnabled: caModeRecord(model.caMode).rotatesRoots,
            rootParameters: newRootParameters(model),
            vaultIntermediate: desiredVaultIntermediate(model),
            override: model.rotation.override,
            ...(model.fleet ? { clusters: model.fleet.clusters.map((cluster) => cluster.name) } : {}),
        },
        timing: rotationTiming(model),
        now: (options.clock ?? (() => new Date()))(),
    });
    if (!verdict.allowed) throw new RotationRefusedError(verdict.problems);
    return deployStack({ ...model, rotation: { ...model.rotation, rootParameters: verdict.rootParameters } }, { rotationState: verdict.state });
}
