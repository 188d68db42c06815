/**
 * What an output holds once resolved: whether its value is known, and the value. The SDK keeps both
 * on the output without a typed accessor (`OutputImpl.isKnown`, `promise()` in
 * sdk/nodejs/output.ts); reading them here is the one place that relies on that.
 */
import * as pulumi from "@pulumi/pulumi";

interface OutputInternals {
    isKnown: Promise<boolean>;
    promise(): Promise<unknown>;
}

export async function resolvedOutput(input: pulumi.Input<unknown>): Promise<{ known: boolean; value: unknown }> {
    const output = pulumi.output(input) as unknown as OutputInternals;
    const [known, value] = await Promise.all([output.isKnown, output.promise()]);
    return { known, value };
}
