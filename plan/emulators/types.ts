/** Computes a resource's output state from its (unwrapped) inputs during an offline plan. */
export type Emulator = (inputs: Record<string, any>, context: EmulatorContext) => Promise<Record<string, any>>;

export interface EmulatorContext {
    /** Logical name of the resource. */
    name: string;
    /** Outputs of this stack's previous deployment, for StackReference reads; {} when none. */
    previousOutputs: Record<string, unknown>;
}
