-- student_results:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."subject",
  "t1"."grade",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'math'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND "t1"."mark" IN (4, 5)
      THEN 1
      ELSE 0
    END
  ) AS "n0",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'math'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d0",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'math'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN CAST("t1"."mark" AS DOUBLE)
      ELSE 0.0
    END
  ) AS "n1",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'math'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c1",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'math'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n2",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'math'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d2",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND "t1"."mark" IN (4, 5)
      THEN 1
      ELSE 0
    END
  ) AS "n3",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d3",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN CAST("t1"."mark" AS DOUBLE)
      ELSE 0.0
    END
  ) AS "n4",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c4",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n5",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d5",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_base'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND "t1"."mark" IN (4, 5)
      THEN 1
      ELSE 0
    END
  ) AS "n6",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_base'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d6",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_base'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN CAST("t1"."mark" AS DOUBLE)
      ELSE 0.0
    END
  ) AS "n7",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_base'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c7",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_base'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n8",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_base'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d8",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_profile'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      AND (
        "t1"."test_score" > 60
      )
      THEN 1
      ELSE 0
    END
  ) AS "n9",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_profile'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d9",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_profile'
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        )
        OR (
          "t1"."test_score" >= "t1"."_min_threshold"
        )
      )
      AND (
        "t1"."test_score" < "t1"."_min_threshold"
      )
      THEN 1
      ELSE 0
    END
  ) AS "n10",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'math_profile'
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        )
        OR (
          "t1"."test_score" >= "t1"."_min_threshold"
        )
      )
      THEN 1
      ELSE 0
    END
  ) AS "d10",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN "t1"."test_score"
      ELSE 0.0
    END
  ) AS "n11",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c11",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      AND (
        "t1"."test_score" > 60
      )
      THEN 1
      ELSE 0
    END
  ) AS "n12",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d12",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        )
        OR (
          "t1"."test_score" >= "t1"."_min_threshold"
        )
      )
      AND (
        "t1"."test_score" < "t1"."_min_threshold"
      )
      THEN 1
      ELSE 0
    END
  ) AS "n13",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."subject" = 'ru'
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        )
        OR (
          "t1"."test_score" >= "t1"."_min_threshold"
        )
      )
      THEN 1
      ELSE 0
    END
  ) AS "d13",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."subject" = 'read'
      )
      AND (
        "t1"."grade" = 4
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND "t1"."level" IN ('basic', 'advanced', 'high')
      THEN 1
      ELSE 0
    END
  ) AS "n14",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."subject" = 'read'
      )
      AND (
        "t1"."grade" = 4
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d14",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."subject" = 'read'
      )
      AND (
        "t1"."grade" = 6
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND "t1"."level" IN ('basic', 'advanced', 'high')
      THEN 1
      ELSE 0
    END
  ) AS "n15",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."subject" = 'read'
      )
      AND (
        "t1"."grade" = 6
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d15",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."subject" = 'sci'
      )
      AND (
        "t1"."grade" = 8
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND "t1"."level" IN ('basic', 'advanced', 'high')
      THEN 1
      ELSE 0
    END
  ) AS "n16",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."subject" = 'sci'
      )
      AND (
        "t1"."grade" = 8
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d16"
FROM (
  SELECT
    "t0"."batch_id",
    "t0"."org_id",
    "t0"."year",
    "t0"."procedure",
    "t0"."subject",
    "t0"."grade",
    "t0"."student",
    "t0"."class_label",
    "t0"."variant",
    "t0"."primary_score",
    "t0"."test_score",
    "t0"."mark",
    "t0"."journal_mark",
    "t0"."passed",
    "t0"."level",
    CASE
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'bio'
      )
      THEN 36.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'chem'
      )
      THEN 36.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'eng'
      )
      THEN 22.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'geo'
      )
      THEN 37.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'hist'
      )
      THEN 32.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'inf'
      )
      THEN 40.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'lit'
      )
      THEN 32.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'math_profile'
      )
      THEN 27.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'phys'
      )
      THEN 36.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'ru'
      )
      THEN 24.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'soc'
      )
      THEN 42.0
      ELSE CAST(NULL AS DOUBLE)
    END AS "_min_threshold"
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" IN ('EGE', 'KDR', 'OGE')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4,
  5;
