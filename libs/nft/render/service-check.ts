// The renderer's own check of a service and its endpoints before anything is
// printed from them (validation upstream is not trusted): every id, token,
// address and number against a strict, canonical shape. What comes back is the
// address family of each vip, source range and endpoint. The common shapes (one
// vip, no source ranges, IPv4 endpoints) get shared read-only lists instead of
// three new arrays per service (~2 MiB less allocated per full render of 10,000).
import type { Endpoint, ServicePort, ServiceSpec } from "../../domain/model.ts";
import { ENDPOINT_STATES, PROTOCOLS, SCHEDULERS } from "../../domain/model.ts";
import type { IpFamily } from "./addresses.ts";
import { relocate } from "./errors.ts";
import { guardAddress, guardCidr, guardInt, guardLabel, guardToken } from "./guards.ts";

const NO_FAMILIES: readonly IpFamily[] = [];
const ONE_V4: readonly IpFamily[] = ["v4"];
const ONE_V6: readonly IpFamily[] = ["v6"];
/** "v4" at every index: the families of up to 256 IPv4 endpoints. */
const ALL_V4: readonly IpFamily[] = new Array<IpFamily>(256).fill("v4");

/**
 * Checks the endpoints of a service once (not once per port and family).
 * Returns their families, by index (a list at least as long as `endpoints`;
 * read it only at their indexes). Throws RenderError with the path
 * `endpoints["id"][i].<field>` on the first unsafe value. No endpoints: an
 * empty list is fine.
 */
export function checkEndpoints(
  serviceId: string,
  endpoints: readonly Endpoint[],
): readonly IpFamily[] {
  const n = endpoints.length;
  // Allocated only once an IPv6 endpoint shows up (or for more than 256).
  let families: IpFamily[] | null = n > ALL_V4.length ? new Array<IpFamily>(n).fill("v4") : null;
  for (let i = 0; i < n; i++) {
    const e = endpoints[i] as Endpoint;
    try {
      const family = guardAddress(e.address, "address");
      if (family !== "v4") (families ??= new Array<IpFamily>(n).fill("v4"))[i] = family;
      guardToken(e.state, ENDPOINT_STATES, "state");
      guardInt(e.weight, 1, 100, "weight");
      if (e.port !== null) guardInt(e.port, 1, 65535, "port");
    } catch (err) {
      relocate(err, `endpoints[${JSON.stringify(serviceId)}][${i}]`);
    }
  }
  return families ?? ALL_V4;
}

/**
 * Checks a service's own fields (id, scheduler, vips, source ranges, ports).
 * Returns the families of its vips and source ranges, by index. Throws
 * RenderError with the path `services["id"].<field>[i]` on the first unsafe value.
 */
export function checkService(svc: ServiceSpec): {
  vips: readonly IpFamily[];
  ranges: readonly IpFamily[];
} {
  let at = "id";
  let index = -1;
  try {
    guardLabel(svc.id, "");
    at = "scheduler";
    guardToken(svc.scheduler, SCHEDULERS, "");
    at = "vips";
    let vips: readonly IpFamily[] = NO_FAMILIES;
    if (svc.vips.length === 1) {
      index = 0;
      vips = guardAddress(svc.vips[0] as string, "") === "v4" ? ONE_V4 : ONE_V6;
    } else if (svc.vips.length > 1) {
      const list = new Array<IpFamily>(svc.vips.length);
      for (index = 0; index < svc.vips.length; index++)
        list[index] = guardAddress(svc.vips[index] as string, "");
      vips = list;
    }
    at = "sourceRanges";
    let ranges: readonly IpFamily[] = NO_FAMILIES;
    if (svc.sourceRanges.length > 0) {
      const list = new Array<IpFamily>(svc.sourceRanges.length);
      for (index = 0; index < svc.sourceRanges.length; index++)
        list[index] = guardCidr(svc.sourceRanges[index] as string, "");
      ranges = list;
    }
    at = "ports";
    for (index = 0; index < svc.ports.length; index++) {
      const port = svc.ports[index] as ServicePort;
      guardToken(port.protocol, PROTOCOLS, "protocol");
      guardInt(port.port, 1, 65535, "port");
      guardInt(port.targetPort, 1, 65535, "targetPort");
    }
    return { vips, ranges };
  } catch (err) {
    relocate(err, `services[${JSON.stringify(svc.id)}].${at}${index >= 0 ? `[${index}]` : ""}`);
  }
}
