import * as pulumi from "@pulumi/pulumi";

/**
 * A component's `dependsOn` option as a list, so that its children can wait for it too (the mock
 * engine and older engines do not pass a component's dependencies on to its children).
 */
export function dependencyList(dependsOn: pulumi.ResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (dependsOn === undefined) return [];
    return Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
}
