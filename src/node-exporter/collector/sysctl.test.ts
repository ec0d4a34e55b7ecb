import { test } from "node:test";
import assert from "node:assert/strict";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { emitSysctl, parseSysctlSpec } from "./sysctl.ts";

function run(flag: string, numeric: boolean, values: string[]): string[] {
  const b = new FamilyBuilder();
  emitSysctl(parseSysctlSpec(flag, numeric), values, b.emit);
  assert.deepEqual(b.errors, []);
  return writeText(b.families()).split("\n").filter((l) => l !== "" && !l.startsWith("# TYPE"));
}

const cases = [
  { name: "single numeric value", flag: "kernel.threads-max", numeric: true, values: ["7801"], want: ["# HELP node_sysctl_kernel_threads_max sysctl kernel.threads-max", "node_sysctl_kernel_threads_max 7801"] },
  {
    name: "indexed values",
    flag: "fs.file-nr",
    numeric: true,
    values: ["1", "0", "9"],
    want: ["# HELP node_sysctl_fs_file_nr sysctl fs.file-nr", 'node_sysctl_fs_file_nr{index="0"} 1', 'node_sysctl_fs_file_nr{index="1"} 0', 'node_sysctl_fs_file_nr{index="2"} 9'],
  },
  {
    name: "mapped values",
    flag: "net.ipv4.ip_local_port_range:low,high",
    numeric: true,
    values: ["32768", "60999"],
    want: [
      "# HELP node_sysctl_net_ipv4_ip_local_port_range_high sysctl net.ipv4.ip_local_port_range, field 1",
      "node_sysctl_net_ipv4_ip_local_port_range_high 60999",
      "# HELP node_sysctl_net_ipv4_ip_local_port_range_low sysctl net.ipv4.ip_local_port_range, field 0",
      "node_sysctl_net_ipv4_ip_local_port_range_low 32768",
    ],
  },
  { name: "single info value", flag: "kernel.osrelease", numeric: false, values: ["6.1.0"], want: ["# HELP node_sysctl_info sysctl info", 'node_sysctl_info{name="kernel.osrelease",value="6.1.0"} 1'] },
];
for (const c of cases) test(`sysctl: ${c.name}`, () => assert.deepEqual(run(c.flag, c.numeric, c.values), c.want));

const errors = [
  { name: "keys on a single value", flag: "kernel.threads-max:a", values: ["1"], msg: /has only one value/ },
  { name: "key count mismatch", flag: "fs.file-nr:a,b", values: ["1", "2", "3"], msg: /has 3 keys but only 2 defined/ },
  { name: "non-numeric value", flag: "kernel.x", values: ["abc"], msg: /invalid syntax/ },
];
for (const c of errors) test(`sysctl error: ${c.name}`, () => assert.throws(() => run(c.flag, true, c.values), c.msg));
