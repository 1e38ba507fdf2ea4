"""Personal data kept no longer than needed (PIPL): a retention period after an exam
session's results are published, then its candidates' phone numbers, ticket texts and
attachments, device facts and upload events are erased; counts and statistics stay."""
