/** The offline plans the reference checks walk: every stack of the project, plus inline configs. */
import { PlanResult, PlannedResource, listStacks, loadStackConfig, planStack } from "../plan/engine";

/** A stack planned from inline config values (full `istio-ca:` keys), for settings no stack file uses. */
export interface InlineStack {
    name: string;
    values: Record<string, string>;
}

/** A resource of a plan that is a Kubernetes object of an API group (apiVersion "<group>/<version>"), i.e. a custom resource. */
export interface PlannedCustomResource {
    stack: string;
    resource: PlannedResource;
    inputs: Record<string, any>;
    /** `<apiVersion>/<kind>`, the key of `loadCrdSchemas`. */
    key: string;
}

/** A stack file's config; a rotation step past steady is planned as a first deployment that adopts that phase. */
function configOf(file: string) {
    const config = loadStackConfig(file);
    if ((config.values["istio-ca:rotationPhase"] ?? "steady") !== "steady") {
        config.values["istio-ca:rotationOverride"] = "adopt-mid-rotation";
        config.values["istio-ca:rotationOverrideReason"] = "checking this step's resources alone";
    }
    return config;
}

/** Plans every stack under the project, then each inline stack. */
export async function planEveryStack(inline: InlineStack[] = []): Promise<PlanResult[]> {
    return [
        ...(await Promise.all(listStacks().map(({ stack, file }) => planStack({ stack, config: configOf(file) })))),
        ...(await Promise.all(inline.map((s) => planStack({ stack: s.name, config: { values: s.values, secretKeys: [] } })))),
    ];
}

/** The custom resources of the plans, in plan order. */
export function customResources(plans: PlanResult[]): PlannedCustomResource[] {
    return plans.flatMap((plan) =>
        plan.resources
            .filter((resource) => {
                const apiVersion = (resource.inputs as Record<string, any>).apiVersion;
                return resource.type.startsWith("kubernetes:") && typeof apiVersion === "string" && apiVersion.includes(".") && apiVersion.includes("/");
            })
            .map((resource) => {
                const inputs = resource.inputs as Record<string, any>;
                return { stack: plan.stack, resource, inputs, key: `${inputs.apiVersion}/${inputs.kind}` };
            }),
    );
}
