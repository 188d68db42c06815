import { strict as assert } from "assert";
import { planStack } from "../plan/engine";
import { withoutPromiseStamps } from "../plan/promiseStacks";
import { rejection } from "./helpers";

const debuggable: { debuggablePromise<T>(promise: Promise<T>, context: string): Promise<T>; debugPromiseLeaks: boolean } = require("@pulumi/pulumi/runtime/debuggable");

/** The stack Pulumi's runtime stamps on a promise it makes. */
function stampOf(): string {
    const promise = Promise.resolve(1);
    debuggable.debuggablePromise(promise, "promiseStacks.test");
    return (promise as unknown as { _debugStackTrace: string })._debugStackTrace;
}

/** An error made on one fixed line, so that its top frame reads the same wherever it is made. */
function madeHere(): Error {
    return new Error("made here");
}

const topFrame = (error: Error) => String(error.stack).split("\n")[1];

/** Plans a program that records what it sees, with no resources of its own. */
async function planWith<T>(look: () => T): Promise<T> {
    let seen: T | undefined;
    await planStack({
        stack: "promise-stacks",
        config: { values: {}, secretKeys: [] },
        program: () => {
            seen = look();
            return {};
        },
    });
    return seen as T;
}

describe("offline plan: stacks of Pulumi's promise stamps", () => {
    it("leaves the stamps unformatted during a plan, and formats them as before outside one", async () => {
        assert.match(stampOf(), /^Error\n\s+at (Object\.)?debuggablePromise /);
        assert.equal(await planWith(stampOf), "Error");
        assert.match(stampOf(), /^Error\n\s+at (Object\.)?debuggablePromise /);
    });

    it("formats every other stack during a plan exactly as outside one (source-mapped to this file)", async () => {
        const outside = topFrame(madeHere());
        assert.match(outside, /at madeHere \(.*promiseStacks\.test\.ts:\d+:\d+\)$/);
        assert.equal(topFrame(await planWith(madeHere)), outside);
        // An error the program throws keeps its stack too.
        const thrown = await rejection(
            planStack({
                stack: "promise-stacks",
                config: { values: {}, secretKeys: [] },
                program: () => {
                    throw madeHere();
                },
            }),
        );
        assert.equal(topFrame(thrown), outside);
    });

    it("puts the installed formatter back after a plan, whether it succeeds or fails", async () => {
        const installed = Error.prepareStackTrace;
        assert.equal(typeof installed, "function", "the suite runs under ts-node, which installs a formatter");
        await planWith(() => undefined);
        assert.equal(Error.prepareStackTrace, installed);
        await rejection(withoutPromiseStamps(() => Promise.reject(new Error("failed"))));
        assert.equal(Error.prepareStackTrace, installed);
    });

    it("keeps a formatter installed during a plan in place of its own", async () => {
        const installed = Error.prepareStackTrace;
        const replacement: typeof Error.prepareStackTrace = (error) => String(error);
        try {
            await withoutPromiseStamps(async () => {
                Error.prepareStackTrace = replacement;
            });
            assert.equal(Error.prepareStackTrace, replacement);
        } finally {
            Error.prepareStackTrace = installed;
        }
    });

    it("keeps the stamps when PULUMI_DEBUG_PROMISE_LEAKS asks for them", async () => {
        const before = debuggable.debugPromiseLeaks;
        debuggable.debugPromiseLeaks = true;
        try {
            assert.match(await planWith(stampOf), /^Error\n\s+at (Object\.)?debuggablePromise /);
        } finally {
            debuggable.debugPromiseLeaks = before;
        }
    });
});
