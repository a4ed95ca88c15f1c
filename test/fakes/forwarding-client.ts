// A ResourceClient that hands every call to another one: the base of test wrappers that change one or two methods
// (count lists, tap or slow down watches) and must pass everything else on unchanged.
import type { ResourceClient } from '../../apiserver/resources/client.ts';

type Call<M extends keyof ResourceClient> = Parameters<ResourceClient[M]>;
type Answer<M extends keyof ResourceClient> = ReturnType<ResourceClient[M]>;

export class ForwardingClient implements ResourceClient {
  protected readonly inner: ResourceClient;

  constructor(inner: ResourceClient) {
    this.inner = inner;
  }

  get(...args: Call<'get'>): Answer<'get'> {
    return this.inner.get(...args);
  }

  list(...args: Call<'list'>): Answer<'list'> {
    return this.inner.list(...args);
  }

  create(...args: Call<'create'>): Answer<'create'> {
    return this.inner.create(...args);
  }

  update(...args: Call<'update'>): Answer<'update'> {
    return this.inner.update(...args);
  }

  updateStatus(...args: Call<'updateStatus'>): Answer<'updateStatus'> {
    return this.inner.updateStatus(...args);
  }

  modify(...args: Call<'modify'>): Answer<'modify'> {
    return this.inner.modify(...args);
  }

  patch(...args: Call<'patch'>): Answer<'patch'> {
    return this.inner.patch(...args);
  }

  apply(...args: Call<'apply'>): Answer<'apply'> {
    return this.inner.apply(...args);
  }

  deleteCollection(...args: Call<'deleteCollection'>): Answer<'deleteCollection'> {
    return this.inner.deleteCollection(...args);
  }

  delete(...args: Call<'delete'>): Answer<'delete'> {
    return this.inner.delete(...args);
  }

  watch(...args: Call<'watch'>): Answer<'watch'> {
    return this.inner.watch(...args);
  }
}
