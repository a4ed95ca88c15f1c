// The networks of a recreated container: its network mode, and every network it was on with the settings a user
// gives (aliases, static IPv4/IPv6 addresses, endpoint links, driver options). Docker accepts one network at create
// time on API < 1.44, so the one HostConfig.NetworkMode names is attached at create and the others are connected
// afterwards; what Docker derives (endpoint IDs, gateways, dynamic addresses, the container-ID alias) is not copied.
import type { ContainerInspect, EndpointSettings } from '../docker/types.ts';

export interface NetworkAttachment {
  network: string;
  endpoint: EndpointSettings;
}

export interface NetworkPlan {
  /** HostConfig.NetworkMode of the new container. */
  networkMode: string;
  /** The attachment made by create (NetworkingConfig), when the mode names a network the container was on. */
  atCreate: NetworkAttachment | undefined;
  /** Networks connected after create, in name order. */
  connect: NetworkAttachment[];
  /**
   * Networks the mode attaches at create although the old container had left them (it was disconnected from its
   * own NetworkMode network): disconnected again after create.
   */
  disconnect: string[];
}

/** The network the mode attaches at create: `default` is the bridge; host, none and container: attach none. */
export function modeNetwork(networkMode: string): string | undefined {
  if (networkMode === 'host' || networkMode === 'none' || networkMode.startsWith('container:')) return undefined;
  return networkMode === 'default' || networkMode === '' ? 'bridge' : networkMode;
}

function nonEmpty<T>(value: T[] | null | undefined): value is T[] {
  return Array.isArray(value) && value.length > 0;
}

/** The user-given part of one network attachment. */
export function userEndpoint(settings: EndpointSettings, containerID: string): EndpointSettings {
  const endpoint: EndpointSettings = {};
  // Docker adds the short container ID as an alias on user-defined networks; the new container gets its own.
  const aliases = (settings.Aliases ?? []).filter((alias) => alias !== containerID.slice(0, 12) && alias !== containerID);
  if (aliases.length > 0) endpoint.Aliases = aliases;
  const ipam = settings.IPAMConfig;
  if (ipam) {
    const kept: NonNullable<EndpointSettings['IPAMConfig']> = {};
    if (ipam.IPv4Address) kept.IPv4Address = ipam.IPv4Address;
    if (ipam.IPv6Address) kept.IPv6Address = ipam.IPv6Address;
    if (nonEmpty(ipam.LinkLocalIPs)) kept.LinkLocalIPs = ipam.LinkLocalIPs;
    if (Object.keys(kept).length > 0) endpoint.IPAMConfig = kept;
  }
  if (nonEmpty(settings.Links)) endpoint.Links = settings.Links;
  if (settings.DriverOpts && Object.keys(settings.DriverOpts).length > 0) endpoint.DriverOpts = settings.DriverOpts;
  return endpoint;
}

export function planNetworks(container: ContainerInspect, networkMode: string): NetworkPlan {
  const primary = modeNetwork(networkMode);
  if (primary === undefined) return { networkMode, atCreate: undefined, connect: [], disconnect: [] };
  const networks = container.NetworkSettings.Networks ?? {};
  const attachments = Object.keys(networks)
    .sort()
    .map((network) => ({ network, endpoint: userEndpoint(networks[network] ?? {}, container.Id) }));
  const atCreate = attachments.find((attachment) => attachment.network === primary);
  return {
    networkMode,
    atCreate,
    connect: attachments.filter((attachment) => attachment.network !== primary),
    disconnect: atCreate === undefined ? [primary] : [],
  };
}

/**
 * HostConfig.Links as create accepts them (`name:alias`). Inspect shows them as `/target:/self/alias`, which create
 * also parses, but the plain form does not carry the old container's name along.
 */
export function normalizeLinks(links: unknown): string[] | null {
  if (!Array.isArray(links)) return null;
  return links
    .filter((link): link is string => typeof link === 'string')
    .map((link) => {
      const [target, alias] = link.split(':');
      if (target === undefined || alias === undefined) return link;
      return `${target.replace(/^\//, '')}:${alias.split('/').pop() ?? alias}`;
    });
}
