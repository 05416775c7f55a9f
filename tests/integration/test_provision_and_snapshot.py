import boto3

from tctfmsg.core import resources
from tctfmsg.local import snapshot
from tctfmsg.local.provision import provision


def test_provision_creates_every_resource_of_the_spec(provisioned):
    tables = set(provisioned["dynamodb"].list_tables()["TableNames"])
    assert tables == {t.physical_name("test") for t in resources.TABLES}
    ttl = provisioned["dynamodb"].describe_time_to_live(TableName="tctfmsg-test-idempotency")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiration"
    url = provisioned["sqs"].get_queue_url(QueueName="tctfmsg-test-delivery")["QueueUrl"]
    attributes = provisioned["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert '"maxReceiveCount": 5' in attributes["Attributes"]["RedrivePolicy"]
    assert attributes["Attributes"]["VisibilityTimeout"] == str(
        resources.queue("delivery").visibility_timeout_s
    )


def test_provision_is_idempotent(provisioned):
    again = provision(
        "test", provisioned["dynamodb"], provisioned["sqs"], provisioned["secretsmanager"]
    )
    assert again["tables"] == []
    assert again["secrets"] == []


def test_snapshot_restores_tables_queues_and_secrets(provisioned, tmp_path):
    db, sqs = provisioned["dynamodb"], provisioned["sqs"]
    db.put_item(TableName="tctfmsg-test-subscribers", Item={"email_key": {"S": "a@x.io"}})
    url = sqs.get_queue_url(QueueName="tctfmsg-test-delivery")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    path = tmp_path / "snap.pickle"
    snapshot.save(path)

    db.delete_table(TableName="tctfmsg-test-subscribers")
    sqs.purge_queue(QueueUrl=url)
    restored = snapshot.restore(path)

    assert {"dynamodb", "sqs", "secretsmanager"} <= set(restored)
    fresh = boto3.client("dynamodb")
    item = fresh.get_item(TableName="tctfmsg-test-subscribers", Key={"email_key": {"S": "a@x.io"}})
    assert "Item" in item
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"
