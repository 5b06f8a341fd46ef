/**
 * Upstream's `NodeSnapshot` (bb-runtime 0.3.2 to 0.3.8) as a bincode schema:
 * every struct in declaration order, exactly reference/NODE_SNAPSHOT.md. The
 * parts are exported by name so the node-snapshot module can walk the same
 * description field by field.
 */
import type { Schema } from "./bincode.js";

/** `usize` is written as u64. */
const usize: Schema = "u64";

/** `NodeConfigSnapshot`. */
export const NODE_CONFIG: Schema = {
  struct: [
    ["peer_id", "bytes"],
    ["cycle_op_budget", { option: usize }],
    ["max_pending_async", { option: usize }],
    ["max_outbound_queue", { option: usize }],
    ["bus_capacity", usize],
  ],
};

/** `PeerGovernorSnapshot`. */
export const PEER_GOVERNOR: Schema = {
  struct: [
    ["blocklist", { vec: "bytes" }],
    ["allowlist", { option: { vec: "bytes" } }],
    // (peer, consecutive_failures, last_event_ns, down)
    ["health", { vec: { tuple: ["bytes", "u32", "u64", "bool"] } }],
    ["failure_threshold", "u32"],
  ],
};

/** `Vec<BackoffEntry>`. */
export const BACKOFF_TABLE: Schema = {
  vec: {
    struct: [
      ["peer", "bytes"],
      ["attempts", "u32"],
      ["last_attempt_ns", "u64"],
      ["next_retry_ns", "u64"],
    ],
  },
};

/** `FrameworkSnapshot`. */
export const FRAMEWORK: { readonly struct: readonly (readonly [string, Schema])[] } = {
  struct: [
    ["counters", { map: { key: "string", value: "u64" } }],
    ["fired_phases", { vec: "string" }],
    [
      "address_book",
      {
        vec: {
          struct: [
            ["peer_id", "bytes"],
            ["addresses", { vec: "bytes" }],
            ["ref_count", "u64"],
          ],
        },
      },
    ],
    ["peer_governor", PEER_GOVERNOR],
    ["backoff_table", BACKOFF_TABLE],
    [
      "pending_outbound",
      {
        vec: {
          struct: [
            ["envelope_bytes", "bytes"],
            ["redelivered", "bool"],
          ],
        },
      },
    ],
    ["peer_id_bytes", "bytes"],
    ["next_command_id", "u64"],
    ["next_exec_id", "u64"],
    ["spec_version", "u32"],
  ],
};

/** `IngressEventSnapshot`, variants in declaration order. */
export const INGRESS_EVENT: Schema = {
  enum: [
    ["Envelope", "bytes"],
    [
      "AppEvent",
      {
        struct: [
          ["module_name", "string"],
          ["input_name", "string"],
          ["value_bytes", "bytes"],
        ],
      },
    ],
    [
      "Invoke",
      {
        struct: [
          ["module_name", "string"],
          ["inputs", { vec: { tuple: ["string", "bytes"] } }],
        ],
      },
    ],
    ["TimerMatured", { struct: [["at_ns", "u64"]] }],
    [
      "Completion",
      {
        struct: [
          ["cmd_id", "u64"],
          ["results", { vec: "bytes" }],
        ],
      },
    ],
  ],
};

/** `TransientSnapshot`. */
export const TRANSIENT: { readonly struct: readonly (readonly [string, Schema])[] } = {
  struct: [
    ["frontier", { vec: { tuple: ["u64", "u64"] } }],
    ["slot_table", { map: { key: { tuple: ["u64", "u64"] }, value: { option: "bytes" } } }],
    [
      "pending_async",
      {
        map: {
          key: "u64",
          value: {
            struct: [
              ["op_ref", "u64"],
              ["exec_id", "u64"],
              ["output_sites", { vec: "u64" }],
              ["deadline_ns", { option: "u64" }],
            ],
          },
        },
      },
    ],
    ["execution_state", { map: { key: "u64", value: { struct: [["outputs_written", "u32"]] } } }],
    ["framework", FRAMEWORK],
    ["bus", { struct: [["event_subscriptions", { map: { key: "string", value: { vec: "u64" } } }]] }],
    ["ingress", { vec: INGRESS_EVENT }],
    ["wire_states", { map: { key: "u32", value: "bytes" } }],
    [
      "pending_completions",
      {
        vec: {
          struct: [
            ["cmd_id", "u64"],
            ["results", { vec: { tuple: ["string", "bytes"] } }],
          ],
        },
      },
    ],
  ],
};

/** `NodeSnapshot`: what `NodeSnapshot::encode()` writes. */
export const NODE_SNAPSHOT: { readonly struct: readonly (readonly [string, Schema])[] } = {
  struct: [
    ["incarnation", "u64"],
    ["config", NODE_CONFIG],
    [
      "graphs",
      {
        vec: {
          struct: [
            ["name", "string"],
            ["function_proto_bytes", "bytes"],
          ],
        },
      },
    ],
    [
      "components",
      {
        vec: {
          struct: [
            ["type_name", "string"],
            ["instance_id", "u32"],
            [
              "package",
              {
                enum: [
                  ["Framework", null],
                  ["Application", null],
                ],
              },
            ],
            ["state_bytes", "bytes"],
          ],
        },
      },
    ],
    ["transient", TRANSIENT],
  ],
};
