// The Docker Engine API documents Vigil reads, in Docker's own spelling (API 1.41, Docker 20.10 and later). These
// are the verbatim JSON bodies of `GET /containers/{id}/json` and `GET /images/{name}/json`: a Snapshot stores the
// container inspect as it came, and the update controller recreates a container from it, so the client hands the whole
// object on (fields not named here are kept at run time). Only the fields some code reads are typed; every nested
// field is optional or nullable because the engine omits or nulls them freely (`Aliases: null`, no `Health` without
// a health check), so readers must default them.

export interface DockerHealth {
  Status?: string;
  FailingStreak?: number;
}

export interface DockerContainerState {
  /** created, running, paused, restarting, removing, exited, dead. */
  Status?: string;
  Running?: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  OOMKilled?: boolean;
  Dead?: boolean;
  Pid?: number;
  ExitCode?: number;
  Error?: string;
  /** RFC 3339 with nanoseconds; "0001-01-01T00:00:00Z" when never started/finished. */
  StartedAt?: string;
  FinishedAt?: string;
  Health?: DockerHealth | null;
}

export interface DockerHealthcheck {
  Test?: string[] | null;
  /** Nanoseconds. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** `Config` of a container or of an image (an image's is the defaults a container inherits). */
export interface DockerContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: DockerHealthcheck | null;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  /** e.g. "SIGQUIT"; absent = SIGTERM. */
  StopSignal?: string;
  /** Seconds; absent = the engine's default (10). */
  StopTimeout?: number | null;
  Shell?: string[] | null;
}

export interface DockerPortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface DockerHostConfig {
  NetworkMode?: string;
  Binds?: string[] | null;
  PortBindings?: Record<string, DockerPortBinding[] | null> | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number } | null;
  AutoRemove?: boolean;
  [field: string]: unknown;
}

export interface DockerEndpointIPAMConfig {
  IPv4Address?: string;
  IPv6Address?: string;
  LinkLocalIPs?: string[] | null;
}

export interface DockerEndpointSettings {
  IPAMConfig?: DockerEndpointIPAMConfig | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  GlobalIPv6Address?: string;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

export interface DockerNetworkSettings {
  /** "80/tcp" → bindings; null bindings for exposed but unpublished ports. */
  Ports?: Record<string, DockerPortBinding[] | null> | null;
  Networks?: Record<string, DockerEndpointSettings> | null;
  [field: string]: unknown;
}

export interface DockerMountPoint {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

/** `GET /containers/{id}/json`. */
export interface DockerContainerInspect {
  Id: string;
  /** With the leading slash: "/web". */
  Name: string;
  /** RFC 3339 with nanoseconds. */
  Created?: string;
  /** The image ID ("sha256:…") the container runs. */
  Image?: string;
  State?: DockerContainerState;
  RestartCount?: number;
  Config?: DockerContainerConfig;
  HostConfig?: DockerHostConfig;
  NetworkSettings?: DockerNetworkSettings;
  Mounts?: DockerMountPoint[] | null;
  [field: string]: unknown;
}

/** `GET /images/{name}/json`. */
export interface DockerImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  /** "repo@sha256:…" for every registry the image was pulled from or pushed to; empty for a local build. */
  RepoDigests?: string[] | null;
  Created?: string;
  Config?: DockerContainerConfig | null;
  [field: string]: unknown;
}
