/** Computes a resource's output state from its (unwrapped) inputs during an offline plan. */
export type Emulator = (inputs: Record<string, any>, context: EmulatorContext) => Promise<Record<string, any>>;

export interface EmulatorContext {
    /** Logical name of the resource. */
    name: string;
    /**
     * State emulators keep between resources (e.g. keys inside an emulated Vault mount). It lives
     * as long as the emulated resources: one plan, or every plan that shares an `emulatedState`,
     * so a resource kept unchanged from an earlier plan still finds what it created.
     */
    store: Map<string, unknown>;
    /** The plan's clock: the time of the update, at which certificates are issued. */
    now: Date;
}
