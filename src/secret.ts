/**
 * A config value that must never be printed. `toString`/`toJSON`/inspect all redact,
 * so an accidental log line or JSON dump of the config model shows "[secret]".
 */
export class SecretString {
    readonly #value: string;
    constructor(value: string) {
        this.#value = value;
    }
    /** The plain value, for handing to `pulumi.secret()` only. */
    reveal(): string {
        return this.#value;
    }
    toString(): string {
        return "[secret]";
    }
    toJSON(): string {
        return "[secret]";
    }
    [Symbol.for("nodejs.util.inspect.custom")](): string {
        return "[secret]";
    }
}
