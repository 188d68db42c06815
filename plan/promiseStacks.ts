/**
 * Pulumi's runtime stamps every promise it makes for a resource (about thirty per resource: URN, ID,
 * each input property, each RPC) with `new Error().stack` (runtime/debuggable.ts, debuggablePromise),
 * and reads that text only to report leaked promises when PULUMI_DEBUG_PROMISE_LEAKS is set. Under
 * ts-node, whose source-map-support formats a stack by mapping each frame back to its source,
 * formatting those stamps is most of what a resource costs the offline plan. While a plan runs they
 * are left unformatted ("Error"); every other stack (errors of the program, the source positions
 * Pulumi records) is formatted as before, by the formatter that was installed.
 */
const debuggable: { debugPromiseLeaks: boolean } = require("@pulumi/pulumi/runtime/debuggable");

/** The file of Pulumi's `debuggablePromise`, as V8 names it in call sites. */
const DEBUGGABLE_FILE = require.resolve("@pulumi/pulumi/runtime/debuggable");

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** Whether a stack is the one `debuggablePromise` stamps on a promise: it is made there, directly. */
export function isPromiseStamp(frames: readonly NodeJS.CallSite[]): boolean {
    const top = frames[0];
    return top !== undefined && top.getFunctionName() === "debuggablePromise" && top.getFileName() === DEBUGGABLE_FILE;
}

/**
 * Runs `run` with the promise stamps left unformatted, then puts the formatter back. Nothing changes
 * when no formatter is installed (V8's own is cheap enough), or when PULUMI_DEBUG_PROMISE_LEAKS asks
 * for the stamps.
 */
export async function withoutPromiseStamps<T>(run: () => Promise<T>): Promise<T> {
    const installed = Error.prepareStackTrace as PrepareStackTrace | undefined;
    if (typeof installed !== "function" || debuggable.debugPromiseLeaks) return run();
    const formatter: PrepareStackTrace = (error, frames) => (isPromiseStamp(frames) ? String(error) : installed(error, frames));
    Error.prepareStackTrace = formatter;
    try {
        return await run();
    } finally {
        // Put back only our own: whatever replaced it during the plan stays.
        if (Error.prepareStackTrace === formatter) Error.prepareStackTrace = installed;
    }
}
