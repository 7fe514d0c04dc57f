"""Every routed task reaches exactly the queue it is routed to (and so only the workers
consuming that queue), on the broker's own terms: exchange plus routing key."""

from __future__ import annotations

from hub.celery_app import QUEUES, ROUTES, app


def test_each_task_is_delivered_to_its_own_queue_only() -> None:
    bindings = {q.name: (q.exchange.name, q.routing_key) for q in app.conf.task_queues}
    assert set(bindings) == set(QUEUES)
    for task, route in ROUTES.items():
        target = app.amqp.router.route({}, task, (), {})["queue"]
        delivered_to = {
            name
            for name, key in bindings.items()
            if key == (target.exchange.name, target.routing_key)
        }
        assert delivered_to == {route["queue"]}, task
