/** Communities (社区): set-up, policy versions, categories, organisers. */
import { createRoute, z } from '@hono/zod-openapi';
import { categoryIdSchema, idSchema } from '@volunteer-ledger/core';
import { canReadCommunity } from '../access.js';
import { Problem } from '../problems.js';
import { communityView, communityViewSchema } from '../views.js';
import { type App, commandEndpoint, communityParams, readHeaders, readProblemResponses, type RouteDeps, security } from './shared.js';

const tag = 'communities';

export function communityRoutes(app: App, deps: RouteDeps): void {
  commandEndpoint(app, deps, {
    type: 'RegisterCommunity',
    path: '/v1/communities',
    tag,
    summary: 'Register a community with its first policy and categories',
    fromUrl: [],
    params: z.object({}),
    created: true,
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}',
      operationId: 'getCommunity',
      tags: [tag],
      summary: 'Read a community: current policy, categories, organisers',
      description: 'The community\'s set-up as it stands: the policy in force and its version, every category (retired ones with `active: false`) and the organisers. Anyone of the community may read it.',
      security,
      request: { params: communityParams, headers: readHeaders },
      responses: { 200: { description: 'The community', content: { 'application/json': { schema: communityViewSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      await canReadCommunity(deps.ledger, c.get('principal').actor, communityId);
      const { state, revision } = await deps.ledger.community(communityId);
      if (!state.exists) throw new Problem('not-found', `community ${communityId} does not exist`);
      return c.json(communityView(state, revision), 200);
    },
  );

  commandEndpoint(app, deps, {
    type: 'PublishPolicy',
    path: '/v1/communities/{communityId}/policies',
    tag,
    summary: 'Publish a new policy version (earlier decisions keep the version they used)',
    fromUrl: ['communityId'],
    params: communityParams,
    created: true,
  });
  commandEndpoint(app, deps, {
    type: 'AddCategory',
    path: '/v1/communities/{communityId}/categories',
    tag,
    summary: 'Add a service category',
    fromUrl: ['communityId'],
    params: communityParams,
    created: true,
  });
  commandEndpoint(app, deps, {
    type: 'RetireCategory',
    path: '/v1/communities/{communityId}/categories/{categoryId}/retire',
    tag,
    summary: 'Retire a service category (no new records in it)',
    fromUrl: ['communityId', 'categoryId'],
    params: z.object({ communityId: idSchema, categoryId: categoryIdSchema }),
  });
  commandEndpoint(app, deps, {
    type: 'AppointOrganiser',
    path: '/v1/communities/{communityId}/organisers',
    tag,
    summary: 'Appoint a member as organiser',
    fromUrl: ['communityId'],
    params: communityParams,
  });
  commandEndpoint(app, deps, {
    type: 'DismissOrganiser',
    path: '/v1/communities/{communityId}/organisers/{memberId}/dismiss',
    tag,
    summary: 'Dismiss an organiser',
    fromUrl: ['communityId', 'memberId'],
    params: z.object({ communityId: idSchema, memberId: idSchema }),
  });
}
