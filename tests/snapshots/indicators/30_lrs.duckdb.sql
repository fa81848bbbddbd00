-- student_results:additive
SELECT
  *
FROM (
  SELECT
    "t5"."org_id",
    "t5"."year",
    "t5"."procedure",
    "t5"."subject",
    "t5"."grade",
    "t5"."n0",
    "t5"."d0",
    "t5"."n1",
    "t5"."c1",
    "t5"."n2",
    "t5"."d2",
    "t5"."n3",
    "t5"."d3",
    "t5"."n4",
    "t5"."c4",
    "t5"."n5",
    "t5"."d5",
    "t5"."n6",
    "t5"."d6",
    "t5"."n7",
    "t5"."c7",
    "t5"."n8",
    "t5"."d8",
    "t5"."n9",
    "t5"."d9",
    "t5"."n10",
    "t5"."d10",
    "t5"."n11",
    "t5"."c11",
    "t5"."n12",
    "t5"."d12",
    "t5"."n13",
    "t5"."d13",
    "t5"."n14",
    "t5"."d14",
    "t5"."n15",
    "t5"."d15",
    "t5"."n16",
    "t5"."d16",
    "t2"."territory_id"
  FROM (
    SELECT
      "t3"."org_id",
      "t3"."year",
      "t3"."procedure",
      "t3"."subject",
      "t3"."grade",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'math'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND "t3"."mark" IN (4, 5)
          THEN 1
          ELSE 0
        END
      ) AS "n0",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'math'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d0",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'math'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN CAST("t3"."mark" AS DOUBLE)
          ELSE 0.0
        END
      ) AS "n1",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'math'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "c1",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'math'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND (
            "t3"."mark" = 2
          )
          THEN 1
          ELSE 0
        END
      ) AS "n2",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'math'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d2",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND "t3"."mark" IN (4, 5)
          THEN 1
          ELSE 0
        END
      ) AS "n3",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d3",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN CAST("t3"."mark" AS DOUBLE)
          ELSE 0.0
        END
      ) AS "n4",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "c4",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND (
            "t3"."mark" = 2
          )
          THEN 1
          ELSE 0
        END
      ) AS "n5",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'OGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d5",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_base'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND "t3"."mark" IN (4, 5)
          THEN 1
          ELSE 0
        END
      ) AS "n6",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_base'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d6",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_base'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN CAST("t3"."mark" AS DOUBLE)
          ELSE 0.0
        END
      ) AS "n7",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_base'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "c7",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_base'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          AND (
            "t3"."mark" = 2
          )
          THEN 1
          ELSE 0
        END
      ) AS "n8",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_base'
          )
          AND (
            "t3"."mark" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d8",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_profile'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          AND (
            "t3"."test_score" > 60
          )
          THEN 1
          ELSE 0
        END
      ) AS "n9",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_profile'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d9",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_profile'
          )
          AND (
            (
              "t3"."test_score" < "t3"."_min_threshold"
            )
            OR (
              "t3"."test_score" >= "t3"."_min_threshold"
            )
          )
          AND (
            "t3"."test_score" < "t3"."_min_threshold"
          )
          THEN 1
          ELSE 0
        END
      ) AS "n10",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'math_profile'
          )
          AND (
            (
              "t3"."test_score" < "t3"."_min_threshold"
            )
            OR (
              "t3"."test_score" >= "t3"."_min_threshold"
            )
          )
          THEN 1
          ELSE 0
        END
      ) AS "d10",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          THEN "t3"."test_score"
          ELSE 0.0
        END
      ) AS "n11",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "c11",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          AND (
            "t3"."test_score" > 60
          )
          THEN 1
          ELSE 0
        END
      ) AS "n12",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            "t3"."test_score" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d12",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            (
              "t3"."test_score" < "t3"."_min_threshold"
            )
            OR (
              "t3"."test_score" >= "t3"."_min_threshold"
            )
          )
          AND (
            "t3"."test_score" < "t3"."_min_threshold"
          )
          THEN 1
          ELSE 0
        END
      ) AS "n13",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'EGE'
          )
          AND (
            "t3"."subject" = 'ru'
          )
          AND (
            (
              "t3"."test_score" < "t3"."_min_threshold"
            )
            OR (
              "t3"."test_score" >= "t3"."_min_threshold"
            )
          )
          THEN 1
          ELSE 0
        END
      ) AS "d13",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'KDR'
          )
          AND (
            "t3"."subject" = 'read'
          )
          AND (
            "t3"."grade" = 4
          )
          AND (
            "t3"."level" IS NOT NULL
          )
          AND "t3"."level" IN ('basic', 'advanced', 'high')
          THEN 1
          ELSE 0
        END
      ) AS "n14",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'KDR'
          )
          AND (
            "t3"."subject" = 'read'
          )
          AND (
            "t3"."grade" = 4
          )
          AND (
            "t3"."level" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d14",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'KDR'
          )
          AND (
            "t3"."subject" = 'read'
          )
          AND (
            "t3"."grade" = 6
          )
          AND (
            "t3"."level" IS NOT NULL
          )
          AND "t3"."level" IN ('basic', 'advanced', 'high')
          THEN 1
          ELSE 0
        END
      ) AS "n15",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'KDR'
          )
          AND (
            "t3"."subject" = 'read'
          )
          AND (
            "t3"."grade" = 6
          )
          AND (
            "t3"."level" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d15",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'KDR'
          )
          AND (
            "t3"."subject" = 'sci'
          )
          AND (
            "t3"."grade" = 8
          )
          AND (
            "t3"."level" IS NOT NULL
          )
          AND "t3"."level" IN ('basic', 'advanced', 'high')
          THEN 1
          ELSE 0
        END
      ) AS "n16",
      SUM(
        CASE
          WHEN (
            "t3"."procedure" = 'KDR'
          )
          AND (
            "t3"."subject" = 'sci'
          )
          AND (
            "t3"."grade" = 8
          )
          AND (
            "t3"."level" IS NOT NULL
          )
          THEN 1
          ELSE 0
        END
      ) AS "d16"
    FROM (
      SELECT
        "t1"."batch_id",
        "t1"."org_id",
        "t1"."year",
        "t1"."procedure",
        "t1"."subject",
        "t1"."grade",
        "t1"."student",
        "t1"."class_label",
        "t1"."variant",
        "t1"."primary_score",
        "t1"."test_score",
        "t1"."mark",
        "t1"."journal_mark",
        "t1"."passed",
        "t1"."level",
        CASE
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'bio'
          )
          THEN 36.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'chem'
          )
          THEN 36.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'eng'
          )
          THEN 22.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'geo'
          )
          THEN 37.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'hist'
          )
          THEN 32.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'inf'
          )
          THEN 40.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'lit'
          )
          THEN 32.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'math_profile'
          )
          THEN 27.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'phys'
          )
          THEN 36.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'ru'
          )
          THEN 24.0
          WHEN (
            "t1"."procedure" = 'EGE'
          ) AND (
            "t1"."subject" = 'soc'
          )
          THEN 42.0
          ELSE CAST(NULL AS DOUBLE)
        END AS "_min_threshold"
      FROM "student_results" AS "t1"
      WHERE
        "t1"."procedure" IN ('EGE', 'KDR', 'OGE')
    ) AS "t3"
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS "t5"
  LEFT OUTER JOIN "org_territory" AS "t2"
    ON "t5"."org_id" = "t2"."org_id"
) AS "t6"
ORDER BY
  "t6"."year" ASC,
  "t6"."territory_id" ASC NULLS FIRST,
  "t6"."org_id" ASC;
